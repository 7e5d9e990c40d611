"""Who a session is: one owner token per browser, kept in a cookie, never in the address; and what
every page says when the store that keeps its runs cannot be read."""

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


def test_a_token_in_the_address_is_never_taken_and_leaves_the_address(app):
    """A sent link with ``?u=`` must not plant the sender's identity in this browser."""
    planted = "someone-elses-owner-token-0123456789"
    app.query_params[OLD_OWNER_PARAM] = planted
    app.run()
    assert _token(app) != planted
    assert OLD_OWNER_PARAM not in app.query_params
    assert planted not in _cookie_script(app)


def test_a_malformed_token_in_the_address_is_not_taken(app):
    app.query_params[OLD_OWNER_PARAM] = "<script>"
    app.run()
    assert _token(app) != "<script>" and OLD_OWNER_PARAM not in app.query_params


def test_a_damaged_run_store_is_one_sentence_on_every_page(app, tmp_path):
    folder = tmp_path / "lab-data"
    folder.mkdir()
    (folder / "runs.sqlite").write_bytes(b"not a database\n" * 200)
    for page in ("app_pages/forecast.py", "app_pages/digits.py", "app_pages/learn.py", "app_pages/runs.py"):
        app.switch_page(page)
        app.run()
        assert not app.exception, app.exception
        assert [box.value.replace("\\", "") for box in app.error] == [
            f"The run store {folder.resolve() / 'runs.sqlite'} is damaged or is not an LSTM Lab store "
            "(file is not a database): restore it from a backup, or move it aside so that a new, empty one "
            "is made."]
    assert (folder / "runs.sqlite").read_bytes() == b"not a database\n" * 200
