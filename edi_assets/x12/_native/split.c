/* The reader's hot loops in C. Each function has a pure-Python twin in edi_assets/x12/splitting.py
 * that defines it and that the tests compare against; each returns None for text that is not one byte
 * per character, and the caller then uses the Python twin.
 *
 * scan_set(text, start, sep, ele, comp, rep, known) -> (segments, all_known, plain, end) | None
 *     The transaction set beginning at `start`: segments up to and including the first SE segment,
 *     split on `sep` then `ele`; `end` is the offset after the SE's separator, or -1 when the text
 *     ends first (then every segment to the end is returned, the last one being the empty text after
 *     the final separator).
 * control_starts(raw, term, ele) -> (isa, iea) | None
 *     The first segment that opens a new interchange (ISA, not followed by a letter, digit or blank)
 *     and the first IEA segment before it, each -1 when there is none.
 * clean_layout(piece, term, eol) -> bool | None
 *     Whether every terminator is followed by exactly `eol` and no other line break, tab or blank
 *     touching a terminator occurs: the piece then needs no normalisation.
 *
 * text_checks(text, ele, term, comp, rep, tail) -> (elements, terminators, clean) | None
 *     What the writer checks of text it joined: how many `ele` and `term` characters it holds, and
 *     whether it is clean: no `comp`, no `rep`, no `ele` right before a `tail`, and every character
 *     printable (str.isprintable) apart from the tails themselves.
 * doubtful(segments, programs, old) -> list[int]
 *     The indexes of the segments the element validator must look at: those its fast "certainly
 *     valid" test (edi_assets.x12.fastcheck) does not pass. `programs` maps a segment id to its test as
 *     data (fastcheck.native_program); an id it does not hold always passes. Twin: fastcheck.doubtful_py.
 *     A value wider than one byte per character makes its segment doubtful.
 * walk_tree(segments, schema, node_type) -> LoopNode | None
 *     The loop tree of a transaction set when its structure walk finds nothing to report, else None
 *     (the caller then walks in Python, which words every issue). Twin: structure.walk_clean_py; the
 *     schema is structure.native_schema's tuple form of a compiled loop.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* Short ASCII strings (ids, qualifiers, units, small numbers) recur on every line of a file: they are
 * shared from these caches instead of being allocated and freed each time. Strings are immutable, so
 * sharing is invisible to callers. Two characters: every value has a slot; three: a direct-mapped
 * table whose collisions just allocate. */
static PyObject *ascii_chars[128];
static PyObject *ascii_pairs[128 * 128];
#define TRIPLE_SLOTS 8192
static PyObject *triple_str[TRIPLE_SLOTS];
static uint32_t triple_key[TRIPLE_SLOTS];

static inline PyObject *
new_ascii(const Py_UCS1 *p, Py_ssize_t n)
{
    PyObject *s = PyUnicode_New(n, 127);
    if (s != NULL && n)
        memcpy(PyUnicode_1BYTE_DATA(s), p, (size_t)n);
    return s;
}

static inline PyObject *
make_str(const Py_UCS1 *p, Py_ssize_t n, int ascii)
{
    if (!ascii)
        return PyUnicode_FromKindAndData(PyUnicode_1BYTE_KIND, p, n);
    PyObject **slot;
    if (n == 1) {
        slot = &ascii_chars[p[0]];
    }
    else if (n == 2) {
        slot = &ascii_pairs[(p[0] << 7) | p[1]];
    }
    else if (n == 3) {
        uint32_t key = ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
        uint32_t h = (key * 2654435761u) >> 19; /* 13 bits */
        if (triple_str[h] == NULL || triple_key[h] != key) {
            PyObject *s = new_ascii(p, n);
            if (s == NULL)
                return NULL;
            Py_XDECREF(triple_str[h]);
            triple_str[h] = s;
            triple_key[h] = key;
        }
        Py_INCREF(triple_str[h]);
        return triple_str[h];
    }
    else {
        return new_ascii(p, n);
    }
    if (*slot == NULL && (*slot = new_ascii(p, n)) == NULL)
        return NULL;
    Py_INCREF(*slot);
    return *slot;
}

static inline const Py_UCS1 *
find_sep(const Py_UCS1 *p, const Py_UCS1 *end, const Py_UCS1 *sep, Py_ssize_t seplen)
{
    while (p + seplen <= end) {
        const Py_UCS1 *hit = memchr(p, sep[0], (size_t)(end - p));
        if (hit == NULL || hit + seplen > end)
            return NULL;
        if (seplen == 1 || memcmp(hit + 1, sep + 1, (size_t)(seplen - 1)) == 0)
            return hit;
        p = hit + 1;
    }
    return NULL;
}

/* One segment's text split on the element separator, as a new list. */
static PyObject *
split_elements(const Py_UCS1 *p, const Py_UCS1 *end, Py_UCS1 ele, int ascii)
{
    Py_ssize_t n = 1;
    for (const Py_UCS1 *q = p; (q = memchr(q, ele, (size_t)(end - q))) != NULL; q++)
        n++;
    PyObject *list = PyList_New(n);
    if (list == NULL)
        return NULL;
    Py_ssize_t i = 0;
    const Py_UCS1 *q = p;
    while (i < n - 1) {
        const Py_UCS1 *hit = memchr(q, ele, (size_t)(end - q));
        PyObject *s = make_str(q, hit - q, ascii);
        if (s == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i++, s);
        q = hit + 1;
    }
    PyObject *s = make_str(q, end - q, ascii);
    if (s == NULL) {
        Py_DECREF(list);
        return NULL;
    }
    PyList_SET_ITEM(list, i, s);
    return list;
}

static int
one_char(PyObject *o, const char *name, Py_UCS4 *out)
{
    if (!PyUnicode_Check(o) || PyUnicode_GET_LENGTH(o) != 1) {
        PyErr_Format(PyExc_ValueError, "%s must be a one-character str", name);
        return -1;
    }
    *out = PyUnicode_READ_CHAR(o, 0);
    return 0;
}

static PyObject *
scan_set(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError, "scan_set(text, start, sep, ele, comp, rep, known)");
        return NULL;
    }
    PyObject *text = args[0], *sep = args[2], *rep = args[5], *known = args[6];
    if (!PyUnicode_Check(text) || !PyUnicode_Check(sep) || !PyAnySet_Check(known)) {
        PyErr_SetString(PyExc_TypeError, "scan_set: text and sep must be str, known a set");
        return NULL;
    }
    Py_ssize_t start = PyLong_AsSsize_t(args[1]);
    if (start == -1 && PyErr_Occurred())
        return NULL;
    Py_UCS4 ele, comp, repc = 0;
    if (one_char(args[3], "ele", &ele) < 0 || one_char(args[4], "comp", &comp) < 0)
        return NULL;
    int has_rep = rep != Py_None;
    if (has_rep && one_char(rep, "rep", &repc) < 0)
        return NULL;
    Py_ssize_t seplen = PyUnicode_GET_LENGTH(sep);
    if (seplen < 1) {
        PyErr_SetString(PyExc_ValueError, "scan_set: empty separator");
        return NULL;
    }
    if (PyUnicode_KIND(text) != PyUnicode_1BYTE_KIND || PyUnicode_KIND(sep) != PyUnicode_1BYTE_KIND
        || ele > 255)
        Py_RETURN_NONE;
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    if (start < 0 || start > len) {
        PyErr_SetString(PyExc_IndexError, "scan_set: start out of range");
        return NULL;
    }
    int ascii = PyUnicode_IS_ASCII(text);
    const Py_UCS1 *base = PyUnicode_1BYTE_DATA(text);
    const Py_UCS1 *p = base + start, *end = base + len;
    const Py_UCS1 *sp = PyUnicode_1BYTE_DATA(sep);
    Py_UCS1 e = (Py_UCS1)ele;

    PyObject *segs = PyList_New(0);
    if (segs == NULL)
        return NULL;
    int all_known = 1;
    Py_ssize_t set_end = -1;
    Py_ssize_t i = 0;
    const Py_UCS1 *q = p;
    for (;;) {
        const Py_UCS1 *hit = find_sep(q, end, sp, seplen);
        const Py_UCS1 *stop = hit != NULL ? hit : end;
        PyObject *seg = split_elements(q, stop, e, ascii);
        if (seg == NULL || PyList_Append(segs, seg) < 0) {
            Py_XDECREF(seg);
            Py_DECREF(segs);
            return NULL;
        }
        Py_DECREF(seg);
        if (i > 0 && all_known) {
            int found = PySet_Contains(known, PyList_GET_ITEM(seg, 0));
            if (found < 0) {
                Py_DECREF(segs);
                return NULL;
            }
            all_known = found;
        }
        if (hit == NULL)
            break;
        if (i > 0 && stop - q > 2 && q[0] == 'S' && q[1] == 'E' && q[2] == e) {
            set_end = hit + seplen - base;
            break;
        }
        q = hit + seplen;
        i++;
    }
    const Py_UCS1 *last = set_end >= 0 ? base + set_end - seplen : end;
    /* a character above 255 cannot occur in one-byte text */
    int plain = comp > 255 || memchr(p, (int)comp, (size_t)(last - p)) == NULL;
    if (plain && has_rep && repc <= 255 && memchr(p, (int)repc, (size_t)(last - p)) != NULL)
        plain = 0;
    return Py_BuildValue("(NOOn)", segs, all_known ? Py_True : Py_False, plain ? Py_True : Py_False, set_end);
}

static PyObject *
clean_layout(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyUnicode_Check(args[0]) || !PyUnicode_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "clean_layout(piece: str, term: str, eol: str)");
        return NULL;
    }
    PyObject *piece = args[0], *eolobj = args[2];
    Py_UCS4 term;
    if (one_char(args[1], "term", &term) < 0)
        return NULL;
    if (PyUnicode_KIND(piece) != PyUnicode_1BYTE_KIND || PyUnicode_KIND(eolobj) != PyUnicode_1BYTE_KIND
        || term > 255)
        Py_RETURN_NONE;
    const Py_UCS1 *s = PyUnicode_1BYTE_DATA(piece);
    Py_ssize_t n = PyUnicode_GET_LENGTH(piece);
    const Py_UCS1 *eol = PyUnicode_1BYTE_DATA(eolobj);
    Py_ssize_t eollen = PyUnicode_GET_LENGTH(eolobj);
    unsigned char special[256] = {0};
    special[(Py_UCS1)term] = 1;
    special['\r'] = special['\n'] = special['\t'] = 1;
    special[' '] = 1;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS1 c = s[i];
        if (!special[c])
            continue;
        if (c == term) {
            if (n - i - 1 < eollen || memcmp(s + i + 1, eol, (size_t)eollen) != 0)
                Py_RETURN_FALSE;
            i += eollen;
            if (i + 1 < n && s[i + 1] == ' ')
                Py_RETURN_FALSE;
        }
        else if (c == ' ') {
            if (i + 1 < n && s[i + 1] == term)
                Py_RETURN_FALSE;
        }
        else
            Py_RETURN_FALSE; /* a line break or tab that does not follow a terminator */
    }
    Py_RETURN_TRUE;
}

static PyObject *
control_starts(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "control_starts(raw: str, term: str, ele: str)");
        return NULL;
    }
    PyObject *raw = args[0];
    Py_UCS4 term, ele;
    if (one_char(args[1], "term", &term) < 0 || one_char(args[2], "ele", &ele) < 0)
        return NULL;
    if (PyUnicode_KIND(raw) != PyUnicode_1BYTE_KIND || term > 255 || ele > 255)
        Py_RETURN_NONE;
    const Py_UCS1 *s = PyUnicode_1BYTE_DATA(raw);
    Py_ssize_t n = PyUnicode_GET_LENGTH(raw);
    Py_ssize_t isa = -1, iea = -1, i = 0;
    for (;;) {
        /* i follows a terminator (or is 0): blanks other than the terminator lead to the segment */
        while (i < n && s[i] != term && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
            i++;
        if (i + 3 <= n && s[i] == 'I') {
            if (s[i + 1] == 'E' && s[i + 2] == 'A') {
                if (iea < 0 && i + 4 <= n && s[i + 3] == ele)
                    iea = i;
            }
            else if (s[i + 1] == 'S' && s[i + 2] == 'A') {
                int opens = !(i + 3 < n && (Py_UNICODE_ISALNUM(s[i + 3]) || Py_UNICODE_ISSPACE(s[i + 3])))
                            && !(i > 0 && Py_UNICODE_ISALNUM(s[i - 1]));
                if (opens) {
                    isa = i;
                    break;
                }
            }
        }
        if (i >= n)
            break;
        const Py_UCS1 *hit = memchr(s + i, (int)term, (size_t)(n - i));
        if (hit == NULL)
            break;
        i = hit - s + 1;
    }
    return Py_BuildValue("(nn)", isa, iea);
}

/* str.isprintable for one-byte characters: not C0/C1 controls, DEL, NO-BREAK SPACE or SOFT HYPHEN. */
static inline int
printable1(Py_UCS1 c)
{
    return !(c < 0x20 || (c >= 0x7f && c <= 0xa0) || c == 0xad);
}

/* Counts over s[0..n): `e` characters, `t` characters, `t` right after `e`, and characters that are not
 * printable data or are `comp` (when `use_comp`) or `rep` (when `use_rep`). Simple enough to vectorize. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("O3")))
#endif
static void
scan_counts(const Py_UCS1 *s, Py_ssize_t n, Py_UCS1 e, Py_UCS1 t, Py_UCS1 comp, int use_comp, Py_UCS1 rep,
            int use_rep, Py_ssize_t *ne, Py_ssize_t *nt, Py_ssize_t *et, Py_ssize_t *odd)
{
    Py_ssize_t a = 0, b = 0, c2 = 0, d = 0;
    Py_UCS1 uc = (Py_UCS1)(use_comp != 0), ur = (Py_UCS1)(use_rep != 0);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS1 c = s[i];
        a += c == e;
        b += c == t;
        d += (c < 0x20) | ((Py_UCS1)(c - 0x7f) <= 0x21) | (c == 0xad) | ((c == comp) & uc) | ((c == rep) & ur);
    }
    for (Py_ssize_t i = 1; i < n; i++)
        c2 += (s[i - 1] == e) & (s[i] == t);
    *ne = a;
    *nt = b;
    *et = c2;
    *odd = d;
}

static PyObject *
text_checks(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 6 || !PyUnicode_Check(args[0]) || !PyUnicode_Check(args[5])) {
        PyErr_SetString(PyExc_TypeError, "text_checks(text, ele, term, comp, rep, tail)");
        return NULL;
    }
    PyObject *text = args[0], *tailobj = args[5];
    Py_UCS4 ele, term, comp, rep = 0;
    if (one_char(args[1], "ele", &ele) < 0 || one_char(args[2], "term", &term) < 0
        || one_char(args[3], "comp", &comp) < 0)
        return NULL;
    int has_rep = args[4] != Py_None;
    if (has_rep && one_char(args[4], "rep", &rep) < 0)
        return NULL;
    Py_ssize_t taillen = PyUnicode_GET_LENGTH(tailobj);
    if (PyUnicode_KIND(text) != PyUnicode_1BYTE_KIND || PyUnicode_KIND(tailobj) != PyUnicode_1BYTE_KIND
        || taillen < 1 || ele > 255 || term > 255)
        Py_RETURN_NONE;
    const Py_UCS1 *s = PyUnicode_1BYTE_DATA(text), *tail = PyUnicode_1BYTE_DATA(tailobj);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    Py_ssize_t n_ele = 0, n_term = 0, ele_term = 0;
    /* One branch-free pass first (the compiler vectorizes it): the counts, whether any character is
     * other than printable data (a non-printable terminator or line break counts), and how often the
     * terminator follows the element separator. A clean text, the common case, is then known; anything
     * else is looked at character by character below. */
    Py_ssize_t odd = 0;
    scan_counts(s, n, (Py_UCS1)ele, (Py_UCS1)term, (Py_UCS1)(comp & 0xff), comp <= 255, (Py_UCS1)(rep & 0xff),
                has_rep && rep <= 255, &n_ele, &n_term, &ele_term, &odd);
    int any_odd = odd != 0;
    int clean = 1;
    if (any_odd || ele_term) {
        /* the exact rules: the tails' characters need not be printable, and `ele` may not precede a tail */
        unsigned char special[256];
        for (int c = 0; c < 256; c++)
            special[c] = !printable1((Py_UCS1)c);
        special[(Py_UCS1)ele] = special[(Py_UCS1)term] = special[tail[0]] = 1;
        if (comp <= 255)
            special[comp] = 1;
        if (has_rep && rep <= 255)
            special[rep] = 1;
        Py_ssize_t skip_to = 0; /* characters before this index belong to a tail */
        for (Py_ssize_t i = 0; i < n && clean; i++) {
            Py_UCS1 c = s[i];
            if (!special[c])
                continue;
            if (c == ele && i + 1 + taillen <= n && memcmp(s + i + 1, tail, (size_t)taillen) == 0)
                clean = 0;
            if (c == comp || (has_rep && c == rep))
                clean = 0;
            if (i >= skip_to) {
                if (c == tail[0] && i + taillen <= n && memcmp(s + i, tail, (size_t)taillen) == 0)
                    skip_to = i + taillen;
                else if (!printable1(c))
                    clean = 0;
            }
        }
    }
    return Py_BuildValue("(nnO)", n_ele, n_term, clean ? Py_True : Py_False);
}

/* -- the element validator's fast test --------------------------------------------------------------
 * A program is the tuple (max_elements, elements, notes) or False (never certainly valid). Each element
 * is (test, min, max, mandatory, codes); each note (kind, positions, only_from_004010).
 */
enum { T_UNCHECKED, T_CODES, T_DIGITS, T_REAL, T_DATE, T_TIME, T_TEXT };

static inline int
all_digits(const Py_UCS1 *p, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return 0;
    return 1;
}

static inline int
two(const Py_UCS1 *p)
{
    return (p[0] - '0') * 10 + (p[1] - '0');
}

/* values.x12_date(v) is not None: CCYYMMDD, or YYMMDD with 51-99 as 19xx. */
static int
valid_date(const Py_UCS1 *p, Py_ssize_t n)
{
    if ((n != 6 && n != 8) || !all_digits(p, n))
        return 0;
    int year, month, day;
    if (n == 8) {
        year = two(p) * 100 + two(p + 2);
        month = two(p + 4);
        day = two(p + 6);
    }
    else {
        year = (two(p) > 50 ? 1900 : 2000) + two(p);
        month = two(p + 2);
        day = two(p + 4);
    }
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1 || month < 1 || month > 12 || day < 1)
        return 0;
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return day <= days[month - 1] + (month == 2 && leap);
}

/* values.valid_time */
static int
valid_time(const Py_UCS1 *p, Py_ssize_t n)
{
    if ((n != 4 && n != 6 && n != 7 && n != 8) || !all_digits(p, n))
        return 0;
    return two(p) < 24 && two(p + 2) < 60 && (n < 6 || two(p + 4) < 60);
}

/* fastcheck._real_ok: digits, or digits around one '.', with lo..hi digits in all. */
static int
real_ok(const Py_UCS1 *p, Py_ssize_t n, Py_ssize_t lo, Py_ssize_t hi)
{
    const Py_UCS1 *dot = memchr(p, '.', (size_t)n);
    if (dot == NULL)
        return all_digits(p, n) && lo <= n && n <= hi;
    Py_ssize_t whole = dot - p, frac = n - whole - 1;
    if (whole == 0 && frac == 0)
        return 0;
    if (!all_digits(p, whole) || !all_digits(dot + 1, frac))
        return 0;
    return lo <= whole + frac && whole + frac <= hi;
}

static inline int
has(PyObject *seg, Py_ssize_t n, Py_ssize_t i)
{
    return i < n && PyUnicode_GET_LENGTH(PyList_GET_ITEM(seg, i)) > 0;
}

/* 1 when the program certainly passes `seg`, 0 when the validator must look, -1 on error. */
static int
certainly_valid(PyObject *seg, PyObject *program, int old)
{
    if (!PyTuple_Check(program))
        return 0;
    Py_ssize_t n = PyList_GET_SIZE(seg);
    if (n > PyLong_AsSsize_t(PyTuple_GET_ITEM(program, 0)))
        return 0;
    PyObject *elements = PyTuple_GET_ITEM(program, 1);
    Py_ssize_t ndefs = PyTuple_GET_SIZE(elements);
    for (Py_ssize_t i = 1; i < n; i++)
        if (!PyUnicode_Check(PyList_GET_ITEM(seg, i)) || PyUnicode_KIND(PyList_GET_ITEM(seg, i)) != PyUnicode_1BYTE_KIND)
            return 0;
    for (Py_ssize_t d = 0; d < ndefs; d++) {
        Py_ssize_t i = d + 1;
        PyObject *def = PyTuple_GET_ITEM(elements, d);
        long test = PyLong_AsLong(PyTuple_GET_ITEM(def, 0));
        int present = has(seg, n, i);
        if (!present) {
            if (PyObject_IsTrue(PyTuple_GET_ITEM(def, 3)))
                return 0; /* mandatory and missing */
            continue;
        }
        if (test == T_UNCHECKED)
            return 0;
        PyObject *v = PyList_GET_ITEM(seg, i);
        const Py_UCS1 *p = PyUnicode_1BYTE_DATA(v);
        Py_ssize_t len = PyUnicode_GET_LENGTH(v);
        Py_ssize_t lo = PyLong_AsSsize_t(PyTuple_GET_ITEM(def, 1)), hi = PyLong_AsSsize_t(PyTuple_GET_ITEM(def, 2));
        int ok;
        switch (test) {
        case T_CODES:
            ok = lo <= len && len <= hi;
            if (ok) {
                ok = PySet_Contains(PyTuple_GET_ITEM(def, 4), v);
                if (ok < 0)
                    return -1;
            }
            break;
        case T_DIGITS:
            ok = all_digits(p, len) && lo <= len && len <= hi;
            break;
        case T_REAL:
            ok = real_ok(p, len, lo, hi);
            break;
        case T_DATE:
            ok = lo <= len && len <= hi && valid_date(p, len);
            break;
        case T_TIME:
            ok = lo <= len && len <= hi && valid_time(p, len);
            break;
        default:
            ok = lo <= len && len <= hi;
            for (Py_ssize_t k = 0; ok && k < len; k++)
                ok = printable1(p[k]);
        }
        if (!ok)
            return 0;
    }
    PyObject *notes = PyTuple_GET_ITEM(program, 2);
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(notes); k++) {
        PyObject *note = PyTuple_GET_ITEM(notes, k);
        if (old && PyObject_IsTrue(PyTuple_GET_ITEM(note, 2)))
            continue;
        Py_UCS4 kind = PyUnicode_READ_CHAR(PyTuple_GET_ITEM(note, 0), 0);
        PyObject *positions = PyTuple_GET_ITEM(note, 1);
        Py_ssize_t np = PyTuple_GET_SIZE(positions), count = 0;
        int first = 0;
        for (Py_ssize_t j = 0; j < np; j++) {
            int h = has(seg, n, PyLong_AsSsize_t(PyTuple_GET_ITEM(positions, j)));
            if (j == 0)
                first = h;
            count += h;
        }
        int holds;
        switch (kind) {
        case 'P':
            holds = count == 0 || count == np;
            break;
        case 'R':
            holds = count > 0;
            break;
        case 'E':
            holds = count <= 1;
            break;
        case 'C':
            holds = !first || count == np;
            break;
        case 'L':
            holds = !first || count > 1;
            break;
        default:
            holds = 0;
        }
        if (!holds)
            return 0;
    }
    return 1;
}

static PyObject *
doubtful(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyList_Check(args[0]) || !PyDict_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "doubtful(segments: list, programs: dict, old: bool)");
        return NULL;
    }
    PyObject *segments = args[0], *programs = args[1];
    int old = PyObject_IsTrue(args[2]);
    if (old < 0)
        return NULL;
    PyObject *out = PyList_New(0);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(segments); i++) {
        PyObject *seg = PyList_GET_ITEM(segments, i);
        int sure = 0;
        if (PyList_Check(seg) && PyList_GET_SIZE(seg) > 0) {
            PyObject *program = PyDict_GetItemWithError(programs, PyList_GET_ITEM(seg, 0));
            if (program == NULL && PyErr_Occurred()) {
                Py_DECREF(out);
                return NULL;
            }
            sure = program == NULL ? 1 : certainly_valid(seg, program, old);
        }
        if (sure < 0) {
            Py_DECREF(out);
            return NULL;
        }
        if (!sure) {
            PyObject *index = PyLong_FromSsize_t(i);
            if (index == NULL || PyList_Append(out, index) < 0) {
                Py_XDECREF(index);
                Py_DECREF(out);
                return NULL;
            }
            Py_DECREF(index);
        }
    }
    return out;
}

/* -- the loop-tree walk ---------------------------------------------------------------------------
 * A compiled loop is the tuple (id, positions, inner, mandatory, maxes): `positions` maps a segment id to
 * the tuple of child positions it may stand at, `inner` holds the compiled child loop at each position
 * (None for a segment), `mandatory` the positions of mandatory children, `maxes` each child's maximum use.
 */
#define MAX_DEPTH 64

typedef struct {
    PyObject *comp;     /* borrowed: the compiled loop tuple */
    PyObject *node;     /* borrowed: owned by its parent's items (the root by the caller) */
    PyObject *items;    /* borrowed: node.items */
    Py_ssize_t index;
    Py_ssize_t nchildren;
    Py_ssize_t *counts;
} Frame;

static PyObject *str_id, *str_items, *str_index, *str_loops;

static PyObject *
new_node(PyTypeObject *type, PyObject *id, PyObject *items)
{
    PyObject *node = type->tp_alloc(type, 0);
    if (node == NULL)
        return NULL;
    if (PyObject_GenericSetAttr(node, str_id, id) < 0 || PyObject_GenericSetAttr(node, str_items, items) < 0
        || PyObject_GenericSetAttr(node, str_index, Py_None) < 0
        || PyObject_GenericSetAttr(node, str_loops, Py_None) < 0) {
        Py_DECREF(node);
        return NULL;
    }
    return node;
}

static int
push_frame(Frame *f, PyObject *comp, PyObject *node, PyObject *items, Py_ssize_t index)
{
    PyObject *maxes = PyTuple_GET_ITEM(comp, 4);
    f->comp = comp;
    f->node = node;
    f->items = items;
    f->index = index;
    f->nchildren = PyTuple_GET_SIZE(maxes);
    f->counts = PyMem_Calloc((size_t)(f->nchildren ? f->nchildren : 1), sizeof(Py_ssize_t));
    if (f->counts == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* 1 when a mandatory child of `f` at a position strictly between f->index and `upto` never occurred. */
static int
misses_mandatory(const Frame *f, Py_ssize_t upto)
{
    PyObject *mandatory = PyTuple_GET_ITEM(f->comp, 3);
    Py_ssize_t n = PyTuple_GET_SIZE(mandatory);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t p = PyLong_AsSsize_t(PyTuple_GET_ITEM(mandatory, i));
        if (p > f->index && p < upto && f->counts[p] == 0)
            return 1;
    }
    return 0;
}

/* The first position of `sid` at or after `lo` in the frame's loop, or -1 (-2 with an error set). */
static Py_ssize_t
find_position(const Frame *f, PyObject *sid, Py_ssize_t lo)
{
    PyObject *positions = PyDict_GetItemWithError(PyTuple_GET_ITEM(f->comp, 1), sid);
    if (positions == NULL)
        return PyErr_Occurred() ? -2 : -1;
    Py_ssize_t n = PyTuple_GET_SIZE(positions);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t p = PyLong_AsSsize_t(PyTuple_GET_ITEM(positions, i));
        if (p >= lo)
            return p;
    }
    return -1;
}

static PyObject *
walk_tree(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyList_Check(args[0]) || !PyTuple_Check(args[1]) || !PyType_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "walk_tree(segments: list, schema: tuple, node_type: type)");
        return NULL;
    }
    PyObject *segments = args[0], *schema = args[1];
    PyTypeObject *type = (PyTypeObject *)args[2];
    if (str_id == NULL) {
        str_id = PyUnicode_InternFromString("id");
        str_items = PyUnicode_InternFromString("items");
        str_index = PyUnicode_InternFromString("_index");
        str_loops = PyUnicode_InternFromString("_loops");
        if (!str_id || !str_items || !str_index || !str_loops)
            return NULL;
    }
    Frame stack[MAX_DEPTH];
    int depth = 0; /* frames in use */
    PyObject *result = NULL;
    PyObject *root_items = PyList_New(0);
    if (root_items == NULL)
        return NULL;
    PyObject *root = new_node(type, PyTuple_GET_ITEM(schema, 0), root_items);
    Py_DECREF(root_items);
    if (root == NULL)
        return NULL;
    if (push_frame(&stack[0], schema, root, root_items, -1) < 0)
        goto done;
    depth = 1;
    Py_ssize_t nseg = PyList_GET_SIZE(segments);
    for (Py_ssize_t n = 0; n < nseg; n++) {
        PyObject *seg = PyList_GET_ITEM(segments, n);
        if (!PyList_Check(seg) || PyList_GET_SIZE(seg) < 1 || !PyUnicode_CheckExact(PyList_GET_ITEM(seg, 0)))
            goto unsure;
        PyObject *sid = PyList_GET_ITEM(seg, 0);
        Frame *top = &stack[depth - 1];
        Py_ssize_t lo = (depth == 1 || top->index > 0) ? top->index : 1;
        Py_ssize_t found = find_position(top, sid, lo);
        if (found == -2)
            goto done;
        int at = depth - 1;
        if (found < 0) {
            for (at = depth - 2; at >= 0; at--) {
                Frame *f = &stack[at];
                found = find_position(f, sid, (at > 0 && f->index < 1) ? 1 : f->index);
                if (found == -2)
                    goto done;
                if (found >= 0)
                    break;
            }
            if (found < 0)
                goto unsure; /* unexpected, out of order or not in the set: an issue to word */
            while (depth - 1 > at) {
                Frame *closing = &stack[depth - 1];
                if (misses_mandatory(closing, closing->nchildren))
                    goto unsure;
                PyMem_Free(closing->counts);
                depth--;
            }
        }
        Frame *frame = &stack[at];
        if (found > frame->index + 1 && misses_mandatory(frame, found))
            goto unsure;
        Py_ssize_t count = ++frame->counts[found];
        frame->index = found;
        Py_ssize_t max = PyLong_AsSsize_t(PyTuple_GET_ITEM(PyTuple_GET_ITEM(frame->comp, 4), found));
        if (count > max)
            goto unsure;
        PyObject *inner = PyTuple_GET_ITEM(PyTuple_GET_ITEM(frame->comp, 2), found);
        if (inner != Py_None) {
            if (depth == MAX_DEPTH)
                goto unsure;
            PyObject *items = PyList_New(1);
            if (items == NULL)
                goto done;
            Py_INCREF(seg);
            PyList_SET_ITEM(items, 0, seg);
            PyObject *node = new_node(type, sid, items);
            Py_DECREF(items);
            if (node == NULL)
                goto done;
            int failed = PyList_Append(frame->items, node);
            Py_DECREF(node);
            if (failed < 0 || push_frame(&stack[depth], inner, node, items, 0) < 0)
                goto done;
            stack[depth].counts[0] = 1;
            depth++;
        }
        else if (PyList_Append(frame->items, seg) < 0)
            goto done;
    }
    while (depth > 0) {
        Frame *closing = &stack[depth - 1];
        if (misses_mandatory(closing, closing->nchildren))
            goto unsure;
        PyMem_Free(closing->counts);
        depth--;
    }
    result = root;
    Py_INCREF(result);
    goto done;
unsure:
    result = Py_None;
    Py_INCREF(result);
done:
    while (depth > 0) {
        PyMem_Free(stack[depth - 1].counts);
        depth--;
    }
    Py_DECREF(root);
    return result;
}

static PyMethodDef methods[] = {
    {"control_starts", (PyCFunction)(void (*)(void))control_starts, METH_FASTCALL,
     "control_starts(raw, term, ele) -> (isa, iea) or None"},
    {"scan_set", (PyCFunction)(void (*)(void))scan_set, METH_FASTCALL,
     "scan_set(text, start, sep, ele, comp, rep, known) -> (segments, all_known, plain, end) or None"},
    {"clean_layout", (PyCFunction)(void (*)(void))clean_layout, METH_FASTCALL,
     "clean_layout(piece, term, eol) -> bool or None"},
    {"text_checks", (PyCFunction)(void (*)(void))text_checks, METH_FASTCALL,
     "text_checks(text, ele, term, comp, rep, tail) -> (elements, terminators, clean) or None"},
    {"doubtful", (PyCFunction)(void (*)(void))doubtful, METH_FASTCALL,
     "doubtful(segments, programs, old) -> list of segment indexes"},
    {"walk_tree", (PyCFunction)(void (*)(void))walk_tree, METH_FASTCALL,
     "walk_tree(segments, schema, node_type) -> LoopNode or None"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_split", "Compiled hot loop of the X12 reader.", -1, methods,
};

PyMODINIT_FUNC
PyInit__split(void)
{
    return PyModule_Create(&module);
}
