/* The importer's fast path for ISO 2709 records in UTF-8: MARC-in-JSON straight from the bytes.
 *
 * decode(raw, base, leader, nfc) gives the same dict as reader.decode_iso2709 for a
 * well-formed UTF-8 record with two indicators, or None for anything else (a broken
 * directory, bad UTF-8, an empty or invalid subfield, text before the first subfield):
 * the Python decoder then reads that record and says what is wrong with it. ``base`` is
 * the leader's base address, already checked; ``leader`` is the leader as stored; ``nfc``
 * is called on every field that is not ASCII, as the Python decoder does.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define SUBFIELD_DELIMITER 0x1F
#define FIELD_TERMINATOR 0x1E

static PyObject *IND1, *IND2, *SUBFIELDS, *LEADER, *FIELDS, *SPACE;

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static int is_alnum(unsigned char c) {
    return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* The number written in ``n`` ASCII digits, or -1. */
static Py_ssize_t number(const unsigned char *p, int n) {
    Py_ssize_t value = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit(p[i])) return -1;
        value = value * 10 + (p[i] - '0');
    }
    return value;
}

/* The field's text in NFC; NULL, with no error set, if it is not valid UTF-8. */
static PyObject *field_text(const char *body, Py_ssize_t length, PyObject *nfc) {
    PyObject *text = PyUnicode_DecodeUTF8(body, length, "strict");
    if (text == NULL) {
        if (PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) PyErr_Clear();
        return NULL;
    }
    if (PyUnicode_IS_ASCII(text)) return text;
    PyObject *normal = PyObject_CallOneArg(nfc, text);
    Py_DECREF(text);
    return normal;
}

static PyObject *indicator(Py_UCS4 c) {
    if (Py_UNICODE_ISALNUM(c)) return PyUnicode_FromOrdinal(c);
    return Py_NewRef(SPACE);
}

/* {"ind1": …, "ind2": …, "subfields": [{code: value}, …]} of a data field's text, or
 * NULL (no error set) when the field is not plain: the Python decoder decides. */
static PyObject *data_field(PyObject *text) {
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    if (length < 3 || PyUnicode_READ_CHAR(text, 2) != SUBFIELD_DELIMITER) return NULL;
    Py_UCS4 first = PyUnicode_READ_CHAR(text, 0), second = PyUnicode_READ_CHAR(text, 1);
    if (first == SUBFIELD_DELIMITER || second == SUBFIELD_DELIMITER) return NULL;
    PyObject *subfields = PyList_New(0), *field = NULL;
    if (subfields == NULL) return NULL;
    Py_ssize_t at = 2;
    while (at < length) {
        Py_ssize_t next = PyUnicode_FindChar(text, SUBFIELD_DELIMITER, at + 1, length, 1);
        if (next == -2) goto fail;
        if (next == -1) next = length;
        if (next == at + 1) goto fail; /* an empty subfield */
        Py_UCS4 code = PyUnicode_READ_CHAR(text, at + 1);
        if (code <= 0x20 || code > 0x7E) goto fail;
        PyObject *value = PyUnicode_Substring(text, at + 2, next);
        if (value == NULL) goto fail;
        PyObject *key = PyUnicode_FromOrdinal(code);
        PyObject *subfield = key ? PyDict_New() : NULL;
        int failed = subfield == NULL || PyDict_SetItem(subfield, key, value) < 0
                     || PyList_Append(subfields, subfield) < 0;
        Py_XDECREF(key);
        Py_DECREF(value);
        Py_XDECREF(subfield);
        if (failed) goto fail;
        at = next;
    }
    PyObject *ind1 = indicator(first), *ind2 = indicator(second);
    if (ind1 && ind2 && (field = PyDict_New()) != NULL) {
        if (PyDict_SetItem(field, IND1, ind1) < 0 || PyDict_SetItem(field, IND2, ind2) < 0
            || PyDict_SetItem(field, SUBFIELDS, subfields) < 0)
            Py_CLEAR(field);
    }
    Py_XDECREF(ind1);
    Py_XDECREF(ind2);
    Py_DECREF(subfields);
    return field;
fail: /* not plain, or an error (then set) */
    Py_DECREF(subfields);
    return NULL;
}

static PyObject *decode(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    Py_buffer raw;
    Py_ssize_t base;
    if (nargs != 4 || !PyUnicode_Check(args[2]) || !PyCallable_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "decode(raw, base, leader, nfc)");
        return NULL;
    }
    if ((base = PyLong_AsSsize_t(args[1])) == -1 && PyErr_Occurred()) return NULL;
    if (PyObject_GetBuffer(args[0], &raw, PyBUF_SIMPLE) < 0) return NULL;
    const unsigned char *bytes = raw.buf;
    Py_ssize_t data_end = raw.len - 1; /* the record terminator */
    PyObject *fields = NULL, *record = NULL;
    if (base < 25 || base > data_end || (base - 25) % 12 != 0) goto not_plain;
    if ((fields = PyList_New(0)) == NULL) goto done;
    for (Py_ssize_t entry = 24; entry < base - 1; entry += 12) {
        const unsigned char *e = bytes + entry;
        if (!is_alnum(e[0]) || !is_alnum(e[1]) || !is_alnum(e[2])) goto not_plain;
        Py_ssize_t length = number(e + 3, 4), start = number(e + 7, 5);
        if (length < 1 || start < 0) goto not_plain;
        Py_ssize_t from = base + start, to = from + length;
        if (to > data_end || bytes[to - 1] != FIELD_TERMINATOR) goto not_plain;
        PyObject *text = field_text((const char *)bytes + from, length - 1, args[3]);
        if (text == NULL) goto not_plain_or_error;
        int control = e[0] == '0' && e[1] == '0' && is_digit(e[2]);
        PyObject *value = control ? Py_NewRef(text) : data_field(text);
        Py_DECREF(text);
        if (value == NULL) goto not_plain_or_error;
        PyObject *tag = PyUnicode_FromStringAndSize((const char *)e, 3);
        PyObject *field = tag ? PyDict_New() : NULL;
        int failed = field == NULL || PyDict_SetItem(field, tag, value) < 0 || PyList_Append(fields, field) < 0;
        Py_XDECREF(tag);
        Py_DECREF(value);
        Py_XDECREF(field);
        if (failed) goto done;
    }
    if (PyList_GET_SIZE(fields) == 0 || (record = PyDict_New()) == NULL) goto not_plain_or_error;
    if (PyDict_SetItem(record, LEADER, args[2]) < 0 || PyDict_SetItem(record, FIELDS, fields) < 0)
        Py_CLEAR(record);
    goto done;
not_plain_or_error:
    if (PyErr_Occurred()) goto done;
not_plain:
    record = Py_NewRef(Py_None);
done:
    Py_XDECREF(fields);
    PyBuffer_Release(&raw);
    return record;
}

static PyMethodDef methods[] = {
    {"decode", (PyCFunction)(void (*)(void))decode, METH_FASTCALL,
     "decode(raw, base, leader, nfc): MARC-in-JSON of a plain UTF-8 record, or None."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef iso2709_module = {PyModuleDef_HEAD_INIT, "_iso2709", NULL, -1, methods};

PyMODINIT_FUNC PyInit__iso2709(void) {
    IND1 = PyUnicode_InternFromString("ind1");
    IND2 = PyUnicode_InternFromString("ind2");
    SUBFIELDS = PyUnicode_InternFromString("subfields");
    LEADER = PyUnicode_InternFromString("leader");
    FIELDS = PyUnicode_InternFromString("fields");
    SPACE = PyUnicode_InternFromString(" ");
    if (!IND1 || !IND2 || !SUBFIELDS || !LEADER || !FIELDS || !SPACE) return NULL;
    return PyModule_Create(&iso2709_module);
}
