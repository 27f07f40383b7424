"""The staff login page, the staff home (what the user may do) and logging out."""


def test_login_page_is_vietnamese_and_labelled(client, db):
    html = client.get("/staff/login/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Đăng nhập cán bộ" in html
    assert '<label for="id_username">Tên đăng nhập</label>' in html
    assert '<label for="id_password">Mật khẩu</label>' in html


def test_wrong_password_is_refused_with_a_message(client, staff):
    response = client.post("/staff/login/", {"username": "kimson_catalog", "password": "sai"},
                           HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_home_lists_what_the_role_may_do(client, staff, demo_password):
    response = client.post("/staff/login/", {"username": "kimson_catalog", "password": demo_password})
    assert response.status_code == 302 and response["Location"] == "/staff/"
    html = client.get("/staff/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'href="/staff/catalog/"' in html and 'href="/staff/digital/"' in html
    assert 'href="/staff/circulation/"' not in html and 'href="/staff/sip2/"' not in html
    assert "Thư viện huyện Kim Sơn" in html and "Biên mục" in html

    client.post("/staff/logout/")
    client.post("/staff/login/", {"username": "yenmo_desk", "password": demo_password})
    html = client.get("/staff/").content.decode()
    assert 'href="/staff/circulation/"' in html and 'href="/staff/catalog/"' not in html

    client.post("/staff/logout/")
    client.post("/staff/login/", {"username": "kimson_admin", "password": demo_password})
    html = client.get("/staff/").content.decode()
    assert 'href="/staff/sip2/"' in html and 'href="/staff/harvest/"' not in html

    client.post("/staff/logout/")
    client.post("/staff/login/", {"username": "admin", "password": demo_password})
    html = client.get("/staff/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert all(f'href="/staff/{p}/"' in html for p in ("catalog", "digital", "circulation", "sip2", "harvest"))
    assert "mọi thư viện trong mạng lưới" in html


def test_staff_home_needs_a_login_and_logout_ends_the_session(client, staff, demo_password):
    response = client.get("/staff/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/?next=/staff/")
    client.post("/staff/login/", {"username": "kimson_desk", "password": demo_password})
    assert client.get("/staff/").status_code == 200
    response = client.post("/staff/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/staff/").status_code == 302


def test_header_links_to_staff_once_logged_in(client, staff, demo_password):
    assert 'href="/staff/login/"' in client.get("/libraries/").content.decode()
    client.post("/staff/login/", {"username": "kimson_desk", "password": demo_password})
    html = client.get("/libraries/").content.decode()
    assert 'href="/staff/"' in html and 'href="/staff/login/"' not in html


def test_a_reader_signed_in_is_not_offered_the_staff_pages(client, db):
    from django.contrib.auth import get_user_model

    reader = get_user_model().objects.create_user("ban_doc", password="x" * 12)
    client.force_login(reader)
    html = client.get("/libraries/").content.decode()
    assert 'href="/staff/login/"' in html and 'href="/staff/"' not in html
    html = client.get("/staff/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "chưa có vai trò cán bộ" in html
