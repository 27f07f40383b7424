"""The tantivy schema of the catalogue index.

Text is indexed twice: as typed (NFC, lower-cased) in ``*_exact`` fields and folded
(no diacritics, đ→d) in ``*_fold`` fields. A query searches both and boosts the exact
form, so "dế mèn" ranks *Dế Mèn phiêu lưu ký* above a book about "dê".
Facet fields are raw fast fields read by terms aggregations.
"""

import tantivy

# Bump when the schema changes: an index of another version is rebuilt.
SCHEMA_VERSION = 2  # 2: author_sort

TEXT_FIELDS = ("title", "author", "subject", "text", "fulltext")
FACET_FIELDS = ("f_library", "f_available", "f_type", "f_lang", "f_subject", "f_author")


def build_schema():
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    for name in TEXT_FIELDS:
        builder.add_text_field(f"{name}_exact", stored=False, tokenizer_name="default")
        builder.add_text_field(f"{name}_fold", stored=False, tokenizer_name="default")
    builder.add_text_field("isbn", stored=False, tokenizer_name="raw")
    builder.add_text_field("visibility", stored=False, tokenizer_name="raw")
    for name in FACET_FIELDS:
        builder.add_text_field(name, stored=False, tokenizer_name="raw", fast=True, index_option="basic")
    builder.add_integer_field("year", stored=False, indexed=True, fast=True)
    builder.add_text_field("title_sort", stored=False, tokenizer_name="raw", fast=True, index_option="basic")
    builder.add_text_field("author_sort", stored=False, tokenizer_name="raw", fast=True, index_option="basic")
    builder.add_integer_field("acquired", stored=False, indexed=True, fast=True)
    return builder.build()
