def test_login_page_renders(client):
    response = client.get("/masuk")
    assert response.status_code == 200
    assert "Masuk ke Portal Kinerja" in response.get_data(as_text=True)


def test_home_after_login(factory, login_as):
    head, boss, staff = factory.team(3)
    c = login_as(boss)
    page = c.get("/").get_data(as_text=True)
    assert boss.name in page
    for s in staff:
        assert s.name in page
