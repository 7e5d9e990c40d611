"""Who a session is: one owner token per browser, kept in a cookie, never in the address."""

from app.identity import OLD_OWNER_PARAM, OWNER_COOKIE


def _token(app) -> str:
    return app.session_state["owner_token"]


def _cookie_script(app) -> str:
    return next(element.proto.body for element in app.get("html") if OWNER_COOKIE in element.proto.body)


def test_a_first_visit_mints_one_token_and_keeps_it_across_reruns_and_pages(app):
    app.run()
    first = _token(app)
    assert OLD_OWNER_PARAM not in app.query_params
    assert f"{OWNER_COOKIE}={first};" in _cookie_script(app)  # written into this browser's cookie
    for page in ("app_pages/forecast.py", "app_pages/runs.py", "app_pages/home.py"):
        app.switch_page(page)
        app.run()
        assert _token(app) == first  # the cookie lands with the next session, not a second identity


def test_an_old_address_with_the_token_is_honoured_once_and_the_token_leaves_the_address(app):
    old = "an-old-owner-token-0123456789"
    app.query_params[OLD_OWNER_PARAM] = old
    app.run()
    assert _token(app) == old
    assert OLD_OWNER_PARAM not in app.query_params
    assert f"{OWNER_COOKIE}={old};" in _cookie_script(app)


def test_a_malformed_token_in_the_address_is_not_taken(app):
    app.query_params[OLD_OWNER_PARAM] = "<script>"
    app.run()
    assert _token(app) != "<script>" and OLD_OWNER_PARAM not in app.query_params
