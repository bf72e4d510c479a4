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

static PyMethodDef methods[] = {
    {"control_starts", (PyCFunction)(void (*)(void))control_starts, METH_FASTCALL,
     "control_starts(raw, term, ele) -> (isa, iea) or None"},
    {"scan_set", (PyCFunction)(void (*)(void))scan_set, METH_FASTCALL,
     "scan_set(text, start, sep, ele, comp, rep, known) -> (segments, all_known, plain, end) or None"},
    {"clean_layout", (PyCFunction)(void (*)(void))clean_layout, METH_FASTCALL,
     "clean_layout(piece, term, eol) -> bool or None"},
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
