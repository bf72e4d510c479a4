/* Purchase orders written as X12 text in C, and pydantic models assembled without validation.
 * Each function's definition is its pure-Python twin, which the tests compare against.
 *
 * po_body(po, ele, tail) -> (text, segments, separators) | None
 *     The body of an 850 (the segments between ST and SE) as outbound.purchase_order builds it, joined
 *     with `ele` and `tail` as the writer joins it, with how many segments and element separators the
 *     text holds. None for anything unexpected (a value of another type, a number with an exponent or
 *     a sign): the caller then runs the twin, edi_assets.translate.fastwrite.po_body_py.
 * assemble(cls, values, fields) -> model
 *     A pydantic model from values it would validate to unchanged: `values` becomes its __dict__, a
 *     new set of the `fields` frozenset its fields set, and it has no extra and no private values.
 *     Twin: edi_assets.translate.fastdocs.assemble_py.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <datetime.h>

enum {
    F_LINE_NUMBER, F_QUANTITY, F_UNIT, F_UNIT_PRICE, F_PRICE_BASIS, F_ITEM_IDS, F_DESCRIPTION, F_PACK,
    F_PACK_SIZE, F_PACK_UNIT, F_REFERENCES, F_DATES, F_NOTES, F_QUALIFIER, F_VALUE, F_DATE, F_TIME, F_TEXT,
    F_PURPOSE_CODE, F_TYPE_CODE, F_PO_NUMBER, F_RELEASE_NUMBER, F_PO_DATE, F_CURRENCY, F_TERMS, F_PARTIES,
    F_LINES, F_TOTAL_AMOUNT, F_BASIS_DATE_CODE, F_DISCOUNT_PERCENT, F_DISCOUNT_DAYS, F_NET_DAYS, F_ROLE,
    F_NAME, F_ID_QUALIFIER, F_ID, F_ADDRESS, F_CITY, F_STATE, F_POSTAL_CODE, F_COUNTRY,
    N_FIELDS
};
static const char *field_names[N_FIELDS] = {
    "line_number", "quantity", "unit", "unit_price", "price_basis", "item_ids", "description", "pack",
    "pack_size", "pack_unit", "references", "dates", "notes", "qualifier", "value", "date", "time", "text",
    "purpose_code", "type_code", "po_number", "release_number", "po_date", "currency", "terms", "parties",
    "lines", "total_amount", "basis_date_code", "discount_percent", "discount_days", "net_days", "role",
    "name", "id_qualifier", "id", "address", "city", "state", "postal_code", "country",
};
static PyObject *names[N_FIELDS];
static PyObject *lit_empty;

enum { OK = 0, UNSURE = 1, FAIL = -1 };

/* The text being written, in a growing one-byte buffer, and whether writing can go on (OK), must be
 * left to Python (UNSURE: a value wider than one byte per character, ...) or failed with an exception
 * set (FAIL). Helpers return NULL and set `status` otherwise. */
typedef struct {
    Py_UCS1 *buf;
    Py_ssize_t len;
    Py_ssize_t cap;
    int ascii;
    const Py_UCS1 *ele;
    const Py_UCS1 *tail;
    Py_ssize_t taillen;
    Py_ssize_t segments;
    Py_ssize_t separators;
    int status;
} Out;

#define MAX_ELEMENTS 64

/* One segment's elements (new references), written by emit(). */
typedef struct {
    PyObject *el[MAX_ELEMENTS];
    int n;
} Seg;

static inline void *
unsure(Out *o)
{
    if (o->status == OK)
        o->status = UNSURE;
    return NULL;
}

static inline void *
failed(Out *o)
{
    o->status = FAIL;
    return NULL;
}

/* Attribute `f` of `obj` (a new reference). A pydantic model keeps its fields in its instance dict
 * (its class has no attribute of a field's name), so reading the dict is what getattr does, faster;
 * anything else goes through getattr. */
static PyObject *
get(Out *o, PyObject *obj, int f)
{
    PyObject **dictptr = _PyObject_GetDictPtr(obj);
    if (dictptr != NULL && *dictptr != NULL && PyDict_CheckExact(*dictptr)) {
        PyObject *v = PyDict_GetItemWithError(*dictptr, names[f]);
        if (v != NULL) {
            Py_INCREF(v);
            return v;
        }
        if (PyErr_Occurred())
            return failed(o);
    }
    PyObject *v = PyObject_GetAttr(obj, names[f]);
    return v != NULL ? v : failed(o);
}

/* The element texts outbound writes; each takes a new reference to `v` (NULL is passed through). */

/* A str value as is (outbound writes `value`). */
static PyObject *
as_text(Out *o, PyObject *v)
{
    if (v == NULL)
        return NULL;
    if (!PyUnicode_CheckExact(v)) {
        Py_DECREF(v);
        return unsure(o);
    }
    return v;
}

/* `value or ""` for an optional str. */
static PyObject *
or_empty(Out *o, PyObject *v)
{
    if (v == NULL)
        return NULL;
    if (v == Py_None) {
        Py_DECREF(v);
        Py_INCREF(lit_empty);
        return lit_empty;
    }
    return as_text(o, v);
}

/* outbound.num: "" for None, else str(number), which must be plain (no exponent, no sign). */
static PyObject *
number(Out *o, PyObject *v)
{
    if (v == NULL)
        return NULL;
    if (v == Py_None)
        return or_empty(o, v);
    PyObject *s = PyObject_Str(v);
    Py_DECREF(v);
    if (s == NULL)
        return failed(o);
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    const char *p = (const char *)PyUnicode_1BYTE_DATA(s);
    if (!PyUnicode_IS_ASCII(s) || n == 0 || p[0] == '-' || memchr(p, 'E', (size_t)n) != NULL) {
        Py_DECREF(s);
        return unsure(o);
    }
    return s;
}

/* `"" if v is None else str(v)` for an int. */
static PyObject *
integer(Out *o, PyObject *v)
{
    if (v == NULL)
        return NULL;
    if (v == Py_None)
        return or_empty(o, v);
    if (!PyLong_CheckExact(v)) {
        Py_DECREF(v);
        return unsure(o);
    }
    PyObject *s = PyObject_Str(v);
    Py_DECREF(v);
    return s != NULL ? s : failed(o);
}

/* outbound.date8: CCYYMMDD, "" for None. */
static PyObject *
date8(Out *o, PyObject *v)
{
    if (v == NULL)
        return NULL;
    if (v == Py_None)
        return or_empty(o, v);
    if (!PyDate_CheckExact(v) && !PyDateTime_CheckExact(v)) {
        Py_DECREF(v);
        return unsure(o);
    }
    int year = PyDateTime_GET_YEAR(v), month = PyDateTime_GET_MONTH(v), day = PyDateTime_GET_DAY(v);
    Py_DECREF(v);
    PyObject *s = PyUnicode_New(8, 127);
    if (s == NULL)
        return failed(o);
    Py_UCS1 *p = PyUnicode_1BYTE_DATA(s); /* years are 1 to 9999: four digits, as %04d writes them */
    p[0] = (Py_UCS1)('0' + year / 1000);
    p[1] = (Py_UCS1)('0' + year / 100 % 10);
    p[2] = (Py_UCS1)('0' + year / 10 % 10);
    p[3] = (Py_UCS1)('0' + year % 10);
    p[4] = (Py_UCS1)('0' + month / 10);
    p[5] = (Py_UCS1)('0' + month % 10);
    p[6] = (Py_UCS1)('0' + day / 10);
    p[7] = (Py_UCS1)('0' + day % 10);
    return s;
}

/* A list attribute (a new reference), or NULL. */
static PyObject *
as_list(Out *o, PyObject *v)
{
    if (v == NULL)
        return NULL;
    if (!PyList_CheckExact(v)) {
        Py_DECREF(v);
        return unsure(o);
    }
    return v;
}

/* Whether `v` is truthy as outbound tests it (`if value:`), for str, None and numbers. */
static int
truthy(Out *o, PyObject *v)
{
    int t = PyObject_IsTrue(v);
    if (t < 0)
        failed(o);
    return t > 0;
}

/* The constant texts outbound writes: segment ids, qualifiers, empty elements. */
enum { L_EMPTY, L_F, L_BY, L_TT, L_BEG, L_CUR, L_REF, L_DTM, L_ITD, L_N1, L_N3, L_N4, L_PO1, L_PID, L_PO4, L_MSG,
       L_CTT, L_AMT, N_LITERALS };
static const char *literal_texts[N_LITERALS] = {
    "", "F", "BY", "TT", "BEG", "CUR", "REF", "DTM", "ITD", "N1", "N3", "N4", "PO1", "PID", "PO4", "MSG", "CTT", "AMT",
};
static PyObject *literals[N_LITERALS];

static void
seg_start(Seg *s, int id)
{
    Py_INCREF(literals[id]);
    s->el[0] = literals[id];
    s->n = 1;
}

/* Add an element (stealing the reference). NULL is a conversion that was unsure (the status says so)
 * or an error from the C API (an exception is set). */
static void
seg_add(Out *o, Seg *s, PyObject *v)
{
    if (v == NULL) {
        if (!PyErr_Occurred() && o->status == OK)
            PyErr_SetString(PyExc_SystemError, "po_body: an element went missing");
        if (PyErr_Occurred())
            failed(o);
        return;
    }
    if (s->n == MAX_ELEMENTS) {
        Py_DECREF(v);
        unsure(o);
        return;
    }
    s->el[s->n++] = v;
}

static void
seg_add_literal(Out *o, Seg *s, int id)
{
    Py_INCREF(literals[id]);
    seg_add(o, s, literals[id]);
}

static int
reserve(Out *o, Py_ssize_t more)
{
    if (o->len + more <= o->cap)
        return 0;
    Py_ssize_t cap = o->cap * 2 > o->len + more ? o->cap * 2 : o->len + more + 4096;
    Py_UCS1 *buf = PyMem_Realloc(o->buf, (size_t)cap);
    if (buf == NULL) {
        PyErr_NoMemory();
        failed(o);
        return -1;
    }
    o->buf = buf;
    o->cap = cap;
    return 0;
}

static inline void
write_bytes(Out *o, const Py_UCS1 *p, Py_ssize_t n)
{
    if (reserve(o, n) == 0) {
        memcpy(o->buf + o->len, p, (size_t)n);
        o->len += n;
    }
}

/* Write the segment (trailing empty elements dropped when `trim`, as outbound.trim does) and release
 * its elements. */
static void
emit(Out *o, Seg *s, int trim)
{
    int n = s->n;
    if (trim)
        while (n > 1 && PyUnicode_GET_LENGTH(s->el[n - 1]) == 0)
            n--;
    for (int i = 0; i < n && o->status == OK; i++) {
        PyObject *v = s->el[i];
        if (PyUnicode_KIND(v) != PyUnicode_1BYTE_KIND) {
            unsure(o);
            break;
        }
        if (!PyUnicode_IS_ASCII(v))
            o->ascii = 0;
        if (i)
            write_bytes(o, o->ele, 1);
        write_bytes(o, PyUnicode_1BYTE_DATA(v), PyUnicode_GET_LENGTH(v));
    }
    if (o->status == OK) {
        write_bytes(o, o->tail, o->taillen);
        o->segments++;
        o->separators += n - 1;
    }
    for (int i = 0; i < s->n; i++)
        Py_DECREF(s->el[i]);
    s->n = 0;
}

/* outbound._refs */
static void
references(Out *o, PyObject *refs)
{
    Seg s;
    for (Py_ssize_t i = 0; refs != NULL && i < PyList_GET_SIZE(refs) && o->status == OK; i++) {
        PyObject *r = PyList_GET_ITEM(refs, i);
        PyObject *desc = get(o, r, F_DESCRIPTION);
        if (desc == NULL)
            return;
        int with_desc = truthy(o, desc);
        seg_start(&s, L_REF);
        seg_add(o, &s, as_text(o, get(o, r, F_QUALIFIER)));
        seg_add(o, &s, as_text(o, get(o, r, F_VALUE)));
        if (with_desc)
            seg_add(o, &s, as_text(o, desc));
        else
            Py_DECREF(desc);
        emit(o, &s, 0);
    }
}

/* outbound._dates */
static void
dates(Out *o, PyObject *dts)
{
    Seg s;
    for (Py_ssize_t i = 0; dts != NULL && i < PyList_GET_SIZE(dts) && o->status == OK; i++) {
        PyObject *d = PyList_GET_ITEM(dts, i);
        PyObject *time = get(o, d, F_TIME);
        if (time == NULL)
            return;
        int with_time = truthy(o, time);
        seg_start(&s, L_DTM);
        seg_add(o, &s, as_text(o, get(o, d, F_QUALIFIER)));
        seg_add(o, &s, date8(o, get(o, d, F_DATE)));
        if (with_time)
            seg_add(o, &s, as_text(o, time));
        else
            Py_DECREF(time);
        emit(o, &s, 0);
    }
}

/* outbound._terms */
static void
terms(Out *o, PyObject *items)
{
    Seg s;
    for (Py_ssize_t i = 0; items != NULL && i < PyList_GET_SIZE(items) && o->status == OK; i++) {
        PyObject *t = PyList_GET_ITEM(items, i);
        seg_start(&s, L_ITD);
        seg_add(o, &s, or_empty(o, get(o, t, F_TYPE_CODE)));
        seg_add(o, &s, or_empty(o, get(o, t, F_BASIS_DATE_CODE)));
        seg_add(o, &s, number(o, get(o, t, F_DISCOUNT_PERCENT)));
        seg_add_literal(o, &s, L_EMPTY);
        seg_add(o, &s, integer(o, get(o, t, F_DISCOUNT_DAYS)));
        seg_add_literal(o, &s, L_EMPTY);
        seg_add(o, &s, integer(o, get(o, t, F_NET_DAYS)));
        for (int k = 0; k < 4; k++)
            seg_add_literal(o, &s, L_EMPTY);
        seg_add(o, &s, or_empty(o, get(o, t, F_DESCRIPTION)));
        emit(o, &s, 1);
    }
}

/* outbound._parties */
static void
parties(Out *o, PyObject *items)
{
    Seg s;
    for (Py_ssize_t i = 0; items != NULL && i < PyList_GET_SIZE(items) && o->status == OK; i++) {
        PyObject *p = PyList_GET_ITEM(items, i);
        seg_start(&s, L_N1);
        seg_add(o, &s, as_text(o, get(o, p, F_ROLE)));
        seg_add(o, &s, or_empty(o, get(o, p, F_NAME)));
        seg_add(o, &s, or_empty(o, get(o, p, F_ID_QUALIFIER)));
        seg_add(o, &s, or_empty(o, get(o, p, F_ID)));
        emit(o, &s, 1);
        PyObject *address = as_list(o, get(o, p, F_ADDRESS));
        for (Py_ssize_t k = 0; address != NULL && k < PyList_GET_SIZE(address) && o->status == OK; k += 2) {
            seg_start(&s, L_N3);
            for (Py_ssize_t j = k; j < k + 2 && j < PyList_GET_SIZE(address); j++) {
                PyObject *line = PyList_GET_ITEM(address, j);
                Py_INCREF(line);
                seg_add(o, &s, as_text(o, line));
            }
            emit(o, &s, 0);
        }
        Py_XDECREF(address);
        if (o->status != OK)
            return;
        PyObject *where[4] = {get(o, p, F_CITY), get(o, p, F_STATE), get(o, p, F_POSTAL_CODE), get(o, p, F_COUNTRY)};
        int any = 0;
        for (int k = 0; k < 4; k++)
            if (where[k] != NULL && truthy(o, where[k]))
                any = 1;
        seg_start(&s, L_N4);
        for (int k = 0; k < 4; k++)
            seg_add(o, &s, or_empty(o, where[k]));
        if (any)
            emit(o, &s, 1);
        else {
            for (int k = 0; k < s.n; k++)
                Py_XDECREF(s.el[k]);
            s.n = 0;
        }
    }
}

/* The PO1 loop of one line, as outbound.purchase_order writes it. */
static void
po_line(Out *o, PyObject *li)
{
    Seg s;
    PyObject *ids = as_list(o, get(o, li, F_ITEM_IDS));
    if (ids == NULL)
        return;
    seg_start(&s, L_PO1);
    seg_add(o, &s, or_empty(o, get(o, li, F_LINE_NUMBER)));
    seg_add(o, &s, number(o, get(o, li, F_QUANTITY)));
    seg_add(o, &s, as_text(o, get(o, li, F_UNIT)));
    seg_add(o, &s, number(o, get(o, li, F_UNIT_PRICE)));
    seg_add(o, &s, or_empty(o, get(o, li, F_PRICE_BASIS)));
    Py_ssize_t nids = PyList_GET_SIZE(ids);
    for (Py_ssize_t i = 0; i < nids && o->status == OK; i++) {
        PyObject *id = PyList_GET_ITEM(ids, i);
        seg_add(o, &s, as_text(o, get(o, id, F_QUALIFIER)));
        seg_add(o, &s, as_text(o, get(o, id, F_VALUE)));
    }
    Py_DECREF(ids);
    emit(o, &s, nids == 0);
    if (o->status != OK)
        return;
    PyObject *desc = get(o, li, F_DESCRIPTION);
    if (desc == NULL)
        return;
    if (truthy(o, desc)) {
        seg_start(&s, L_PID);
        seg_add_literal(o, &s, L_F);
        for (int k = 0; k < 3; k++)
            seg_add_literal(o, &s, L_EMPTY);
        seg_add(o, &s, as_text(o, desc));
        emit(o, &s, 0);
    }
    else
        Py_DECREF(desc);
    PyObject *pack = get(o, li, F_PACK), *size = get(o, li, F_PACK_SIZE), *unit = get(o, li, F_PACK_UNIT);
    if (pack != NULL && size != NULL && unit != NULL && o->status == OK
        && (pack != Py_None || size != Py_None || truthy(o, unit))) {
        seg_start(&s, L_PO4);
        seg_add(o, &s, integer(o, pack));
        seg_add(o, &s, number(o, size));
        seg_add(o, &s, or_empty(o, unit));
        emit(o, &s, 1);
    }
    else {
        Py_XDECREF(pack);
        Py_XDECREF(size);
        Py_XDECREF(unit);
    }
    PyObject *refs = as_list(o, get(o, li, F_REFERENCES));
    references(o, refs);
    Py_XDECREF(refs);
    PyObject *dts = as_list(o, get(o, li, F_DATES));
    dates(o, dts);
    Py_XDECREF(dts);
    PyObject *notes = as_list(o, get(o, li, F_NOTES));
    for (Py_ssize_t i = 0; notes != NULL && i < PyList_GET_SIZE(notes) && o->status == OK; i++) {
        seg_start(&s, L_MSG);
        seg_add(o, &s, as_text(o, get(o, PyList_GET_ITEM(notes, i), F_TEXT)));
        emit(o, &s, 0);
    }
    Py_XDECREF(notes);
}

static PyObject *
po_body(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyUnicode_CheckExact(args[1]) || !PyUnicode_CheckExact(args[2])) {
        PyErr_SetString(PyExc_TypeError, "po_body(po, ele: str, tail: str)");
        return NULL;
    }
    if (PyUnicode_KIND(args[1]) != PyUnicode_1BYTE_KIND || PyUnicode_GET_LENGTH(args[1]) != 1
        || PyUnicode_KIND(args[2]) != PyUnicode_1BYTE_KIND || !PyUnicode_IS_ASCII(args[1])
        || !PyUnicode_IS_ASCII(args[2]))
        Py_RETURN_NONE;
    Out out = {NULL, 0, 0, 1, PyUnicode_1BYTE_DATA(args[1]), PyUnicode_1BYTE_DATA(args[2]),
               PyUnicode_GET_LENGTH(args[2]), 0, 0, OK};
    Out *o = &out;
    if (reserve(o, 8192) < 0)
        return NULL;
    PyObject *po = args[0];
    Seg s;
    seg_start(&s, L_BEG);
    seg_add(o, &s, as_text(o, get(o, po, F_PURPOSE_CODE)));
    seg_add(o, &s, as_text(o, get(o, po, F_TYPE_CODE)));
    seg_add(o, &s, as_text(o, get(o, po, F_PO_NUMBER)));
    seg_add(o, &s, or_empty(o, get(o, po, F_RELEASE_NUMBER)));
    seg_add(o, &s, date8(o, get(o, po, F_PO_DATE)));
    emit(o, &s, 1);
    PyObject *currency = get(o, po, F_CURRENCY);
    if (currency != NULL && truthy(o, currency)) {
        seg_start(&s, L_CUR);
        seg_add_literal(o, &s, L_BY);
        seg_add(o, &s, as_text(o, currency));
        emit(o, &s, 0);
    }
    else
        Py_XDECREF(currency);
    PyObject *list = as_list(o, get(o, po, F_REFERENCES));
    references(o, list);
    Py_XDECREF(list);
    list = as_list(o, get(o, po, F_TERMS));
    terms(o, list);
    Py_XDECREF(list);
    list = as_list(o, get(o, po, F_DATES));
    dates(o, list);
    Py_XDECREF(list);
    list = as_list(o, get(o, po, F_PARTIES));
    parties(o, list);
    Py_XDECREF(list);
    PyObject *lines = as_list(o, get(o, po, F_LINES));
    for (Py_ssize_t i = 0; lines != NULL && i < PyList_GET_SIZE(lines) && o->status == OK; i++)
        po_line(o, PyList_GET_ITEM(lines, i));
    if (lines != NULL && o->status == OK) {
        seg_start(&s, L_CTT);
        seg_add(o, &s, PyUnicode_FromFormat("%zd", PyList_GET_SIZE(lines)));
        emit(o, &s, 0);
    }
    Py_XDECREF(lines);
    PyObject *total = get(o, po, F_TOTAL_AMOUNT);
    if (total != NULL && total != Py_None && o->status == OK) {
        seg_start(&s, L_AMT);
        seg_add_literal(o, &s, L_TT);
        seg_add(o, &s, number(o, total));
        emit(o, &s, 0);
    }
    else
        Py_XDECREF(total);
    if (o->status == UNSURE && PyErr_Occurred())
        o->status = FAIL;
    PyObject *text = NULL;
    if (o->status == OK && (text = PyUnicode_New(o->len, o->ascii ? 127 : 255)) != NULL)
        memcpy(PyUnicode_1BYTE_DATA(text), o->buf, (size_t)o->len);
    PyMem_Free(o->buf);
    if (o->status == UNSURE)
        Py_RETURN_NONE;
    if (text == NULL)
        return NULL;
    return Py_BuildValue("(Nnn)", text, o->segments, o->separators);
}

static PyObject *str_fields_set, *str_extra, *str_private;

static PyObject *
assemble(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyType_Check(args[0]) || !PyDict_CheckExact(args[1]) || !PyFrozenSet_CheckExact(args[2])) {
        PyErr_SetString(PyExc_TypeError, "assemble(cls: type, values: dict, fields: frozenset)");
        return NULL;
    }
    PyTypeObject *cls = (PyTypeObject *)args[0];
    PyObject *fields = PySet_New(args[2]);
    if (fields == NULL)
        return NULL;
    PyObject *obj = cls->tp_alloc(cls, 0);
    if (obj == NULL || PyObject_GenericSetDict(obj, args[1], NULL) < 0
        || PyObject_GenericSetAttr(obj, str_fields_set, fields) < 0
        || PyObject_GenericSetAttr(obj, str_extra, Py_None) < 0
        || PyObject_GenericSetAttr(obj, str_private, Py_None) < 0) {
        Py_XDECREF(obj);
        Py_DECREF(fields);
        return NULL;
    }
    Py_DECREF(fields);
    return obj;
}

static PyMethodDef methods[] = {
    {"po_body", (PyCFunction)(void (*)(void))po_body, METH_FASTCALL,
     "po_body(po, ele, tail) -> (text, segments, separators) or None"},
    {"assemble", (PyCFunction)(void (*)(void))assemble, METH_FASTCALL,
     "assemble(cls, values, fields) -> model"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_render", "Compiled hot loop of the X12 document writer.", -1, methods,
};

PyMODINIT_FUNC
PyInit__render(void)
{
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == NULL)
        return NULL;
    for (int f = 0; f < N_FIELDS; f++)
        if ((names[f] = PyUnicode_InternFromString(field_names[f])) == NULL)
            return NULL;
    if ((str_fields_set = PyUnicode_InternFromString("__pydantic_fields_set__")) == NULL
        || (str_extra = PyUnicode_InternFromString("__pydantic_extra__")) == NULL
        || (str_private = PyUnicode_InternFromString("__pydantic_private__")) == NULL)
        return NULL;
    if ((lit_empty = PyUnicode_InternFromString("")) == NULL)
        return NULL;
    for (int i = 0; i < N_LITERALS; i++)
        if ((literals[i] = PyUnicode_InternFromString(literal_texts[i])) == NULL)
            return NULL;
    return PyModule_Create(&module);
}
