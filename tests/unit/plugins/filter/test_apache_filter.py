"""The apache_customlog_exclude filter as a playbook calls it."""

import pytest
from ansible.errors import AnsibleFilterError
from conftest import FIXTURES

from ansible_collections.sysfix.hardening.plugins.filter.apache import FilterModule


def customlog_exclude():
    return FilterModule().filters()["apache_customlog_exclude"]


def test_the_filter_returns_text_and_skipped_lines():
    site = (FIXTURES / "apache" / "000-default.conf-debian12").read_text()
    result = customlog_exclude()(site + 'CustomLog x combined env=!other\n', "sysfix_worm")
    assert "\tCustomLog ${APACHE_LOG_DIR}/access.log combined env=!sysfix_worm\n" in result["text"]
    assert result["skipped"] == [{"line": len(site.splitlines()) + 1, "text": "CustomLog x combined env=!other"}]


def test_the_filter_refuses_what_is_not_text():
    with pytest.raises(AnsibleFilterError):
        customlog_exclude()(None, "sysfix_worm")
