import pytest


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_home_page_answers(page):
    page.goto("/")
    assert "thuvien" in page.content()
