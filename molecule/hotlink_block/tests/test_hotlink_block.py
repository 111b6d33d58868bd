"""Role hotlink_block, checked with curl inside the container.

Global allow-list: example.com and its subdomains, empty Referer allowed.
Site "shop" (vhost shop.example.test, /var/www/shop): only shop.example.net,
no empty Referer, refused requests redirected.
"""

import pytest
import sysfix_molecule

GLOBAL_CONF = "/etc/apache2/conf-available/sysfix-hotlink.conf"
SITES_CONF = "/etc/apache2/conf-available/sysfix-hotlink-sites.conf"
REDIRECT = "http://shop.example.net/no-hotlinking.html"


def fetch(host, path, referer=None, site=None):
    """(status, Location) of a request made inside the container."""
    args = ["-s", "-o", "/dev/null", "-w", "'%{http_code} %{redirect_url}'"]
    if referer is not None:
        args += ["-e", "'%s'" % referer]
    if site:
        args += ["-H", "'Host: %s'" % site]
    code, _space, location = host.check_output("curl %s http://127.0.0.1%s" % (" ".join(args), path)).partition(" ")
    return int(code), location.strip()


PROTECTED = ["/media/clip.wmv", "/media/movie.mpg", "/media/photo.JPG"]


@pytest.mark.parametrize("path", PROTECTED)
@pytest.mark.parametrize(
    "referer",
    ["http://evil.example.org/page.html", "https://example.com.evil.example.org/", "http://notexample.com/"],
)
def test_a_foreign_referer_gets_403(host, path, referer):
    assert fetch(host, path, referer) == (403, "")


@pytest.mark.parametrize("path", PROTECTED)
@pytest.mark.parametrize(
    "referer",
    ["http://example.com/", "http://www.example.com/gallery.html", "https://cdn.example.com:8443/x", "HTTP://WWW.EXAMPLE.COM/"],
)
def test_an_allowed_domain_and_its_subdomains_get_200(host, path, referer):
    assert fetch(host, path, referer) == (200, "")


def test_an_empty_referer_is_allowed_where_the_setting_says(host):
    assert fetch(host, "/media/clip.wmv") == (200, "")
    assert fetch(host, "/media/clip.wmv", site="shop.example.test") == (302, REDIRECT)


def test_unprotected_extensions_are_never_blocked(host):
    assert fetch(host, "/media/readme.txt", "http://evil.example.org/") == (200, "")
    assert fetch(host, "/media/readme.txt", "http://evil.example.org/", "shop.example.test") == (200, "")


def test_the_denial_is_logged_as_the_runbook_shows(host):
    fetch(host, "/media/clip.wmv", "http://evil.example.org/")
    log = host.check_output("tail -n 20 /var/log/apache2/error.log")
    assert "client denied by server configuration: /var/www/html/media/clip.wmv" in log


def test_a_site_has_its_own_list_and_answer(host):
    shop = "shop.example.test"
    # example.com is allowed server-wide, but the shop's own list replaces it.
    assert fetch(host, "/media/clip.wmv", "http://example.com/", shop) == (302, REDIRECT)
    assert fetch(host, "/media/clip.wmv", "http://www.shop.example.net/", shop) == (200, "")
    assert fetch(host, "/media/photo.JPG", "http://shop.example.net/item/7", shop) == (200, "")
    # and the default site does not accept the shop's domain.
    assert fetch(host, "/media/clip.wmv", "http://shop.example.net/") == (403, "")


def test_check_mode_reports_drift_and_changes_nothing(host):
    host.check_output("sed -i 's/example\\\\.com/example\\\\.org/' %s" % GLOBAL_CONF)
    try:
        assert "example\\.org" in host.file(GLOBAL_CONF).content_string
        run = sysfix_molecule.run_converge(["--check", "--diff"])
        assert run.returncode == 0, run.output
        changed = run.changed_results()
        assert [task for _h, task, _r in changed] == ["Write the server-wide hotlink drop-in"]
        assert "example\\.org" in host.file(GLOBAL_CONF).content_string
    finally:
        run = sysfix_molecule.run_converge()
        assert run.returncode == 0, run.output
    assert "example\\.com" in host.file(GLOBAL_CONF).content_string


@pytest.mark.parametrize(
    "bad_vars, named",
    [
        ({"hotlink_block_allowed_domains": ["example.com/path"]}, "hotlink_block_allowed_domains"),
        ({"hotlink_block_extensions": ["w.v"]}, "hotlink_block_extensions"),
        ({"hotlink_block_answer": "redirect"}, "hotlink_block_redirect_url"),
        ({"hotlink_block_answer": "410"}, "hotlink_block_answer"),
        ({"hotlink_block_sites": [{"name": "a b", "document_root": "/srv", "allowed_domains": []}]},
         "hotlink_block_sites[0]"),
        ({"hotlink_block_sites": [{"name": "shop", "document_root": "/srv", "allowed_domains": [], "size": 1}]},
         "size"),
    ],
)
def test_a_bad_value_stops_the_run_before_any_change(host, bad_vars, named):
    before = {path: host.file(path).content_string for path in (GLOBAL_CONF, SITES_CONF)}
    run = sysfix_molecule.run_converge(extra_vars=bad_vars)
    assert run.returncode != 0
    assert len(run.failed_results()) == 1, run.output
    assert any(named in message for message in run.failure_messages()), run.output
    assert run.changed_results() == []
    assert {path: host.file(path).content_string for path in before} == before
