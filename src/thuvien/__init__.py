"""thuvien: a platform for a province-wide network of public libraries."""
