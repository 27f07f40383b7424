"""The C part of thuvien (the rest is in pyproject.toml)."""

from setuptools import Extension, setup

setup(ext_modules=[
    # The MARC importer's decoder of plain UTF-8 records. Optional: without a C compiler the
    # Python decoder in reader.py reads them too, four times slower.
    Extension("thuvien.catalog.marcimport._iso2709", ["src/thuvien/catalog/marcimport/_iso2709.c"], optional=True),
])
