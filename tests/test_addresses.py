"""Email addresses: one strict parser for --to, --cc and briefs/distribution.yaml.

An address that the email package, smtplib or a mail program could read as
another address, or as several, is refused, with a message naming the rule it
breaks and how to fix it.
"""

from __future__ import annotations

import re

import pytest

from briefwright.distribution import AddressError, parse_address


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        # RFC 2047 encoded words decode into any text, commas and @ included.
        ("=?utf-8?q?evil=40attacker=2Etest=2C?= <ok@example.org>", "has an encoded word"),
        ("=?UTF-8?B?ZXZpbEBhdHRhY2tlci50ZXN0LA==?= <ok@example.org>", "has an encoded word"),
        ("Boss =?utf-8?Q?=3C?= <ok@example.org>", "has an encoded word"),
        ("=?utf-8?q?evil?=@example.org", "has an encoded word"),
        ("Ok <=?utf-8?q?evil?=@example.org>", "has an encoded word"),
        # Characters that are syntax in an address header, inside the name.
        ('"evil@attacker.test," <ok@example.org>', "has '@' in its name"),
        ("Smith; John <ok@example.org>", "has ';' in its name"),
        ('"Smith, John" <ok@example.org>', "has ',' in its name"),
        ('"Quote\\" Name" <ok@example.org>', "has '\\\\' in its name"),
        ("Back\\slash <ok@example.org>", "has '\\\\' in its name"),
        ('Un"balanced <ok@example.org>', "has '\"' in its name"),
        ("Team: <ok@example.org>", "has ':' in its name"),
        ("Desk (evil@attacker.test) <ok@example.org>", "has '(' in its name"),
        # Look-alikes that Unicode folds (NFKC) into the same syntax.
        ("evil\uff20attacker.test <ok@example.org>", "has '@' (written as '＠') in its name"),
        ("evil\ufe6battacker.test <ok@example.org>", "has '@' (written as '﹫') in its name"),
        ("Smith\uff0c John <ok@example.org>", "has ',' (written as '，') in its name"),
        ("Desk \uff1c <ok@example.org>", "has '<' (written as '＜') in its name"),
        ("\uff1d\uff1futf-8?q?x?= <ok@example.org>", "has an encoded word"),
        # Invisible characters, line breaks and folding.
        ("Ok\u202eelpmaxe <ok@example.org>", "contains a line break or control character"),
        ("Ok\u200b <ok@example.org>", "contains a line break or control character"),
        # Comments, groups and lists.
        ("(evil@attacker.test) ok@example.org", "has a comment in parentheses"),
        ("ok@example.org (evil@attacker.test)", "has a comment in parentheses"),
        ("x: evil@attacker.test;", "uses group syntax"),
        ("x:;", "uses group syntax"),
        ("ok@example.org; evil@attacker.test", "holds more than one address"),
        ("ok@example.org evil@attacker.test", "holds more than one address"),
        ("Ok <ok@example.org> trailing", "is not in the form Name <name@example.org>"),
        ("Ok <<ok@example.org>>", "is not in the form Name <name@example.org>"),
        # Quoted local parts, routes and domain literals.
        ('"a@b"@example.org', "has a quoted local part"),
        ('"evil"@example.org', "has a quoted local part"),
        ("evil%attacker.test@example.org", "has '%' in the address"),
        ("attacker.test!evil@example.org", "has '!' in the address"),
        ("<@relay.example:ok@example.org>", "uses group syntax"),
        ("ok@[127.0.0.1]", "has a domain literal"),
        ("o k@example.org", "has a space in the address"),
        # Domains: look-alike letters, dots and invalid international forms.
        ("ok@ex\u0430mple.org", "has non-ASCII characters in the address"),
        ("ok@example\uff0eorg", "has non-ASCII characters in the address"),
        ("\u043ek@example.org", "has non-ASCII characters in the address"),
        ("ok@xn--zz.org", "has an invalid international domain 'xn--zz.org'"),
        ("ok@xn--abc-.org", "has an invalid international domain 'xn--abc-.org'"),
        ("ok@ab--cd.org", "has an invalid domain 'ab--cd.org'"),
        ("A" * 101 + " <ok@example.org>", "has a name longer than 100 characters"),
    ],
)
def test_ambiguous_addresses_are_refused_naming_the_rule(value: str, fragment: str) -> None:
    with pytest.raises(AddressError) as caught:
        parse_address(value)
    assert fragment in str(caught.value)
    assert caught.value.hint  # every refusal says how to fix it


# Refused before the parser was made strict, and still refused for the same reason.
@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("Ok <ok@example.org>\x00", "contains a line break or control character"),
        ("Ok\r\n <ok@example.org>", "contains a line break or control character"),
        ("Ok\t<ok@example.org>", "contains a line break or control character"),
        ("ok@example.org\u2028", "contains a line break or control character"),
        ("ok@example.org, evil@attacker.test", "holds more than one address"),
        ("Ok <ok@example.org>, evil@attacker.test", "holds more than one address"),
        ("<ok@example.org> <evil@attacker.test>", "holds more than one address"),
        ("ok@example.org <evil@attacker.test>", "holds more than one address"),
        ("ok@example.org.", "has an invalid domain 'example.org.'"),
        ("ok@localhost", "has an invalid domain 'localhost'"),
        ("ok..dots@example.org", "is not a valid email address"),
        (".ok@example.org", "is not a valid email address"),
        ("x@y@example.org", "is not a valid email address"),
        ("", "is not a valid email address"),
        ("Only A Name", "is not a valid email address"),
        ("Name <>", "is not a valid email address"),
        ("a" * 65 + "@example.org", "is not a valid email address"),
    ],
)
def test_addresses_refused_before_still_are(value: str, fragment: str) -> None:
    with pytest.raises(AddressError, match=re.escape(fragment)):
        parse_address(value)


@pytest.mark.parametrize(
    ("value", "name", "addr"),
    [
        ("ok@example.org", "", "ok@example.org"),
        ("  Chief of Staff   <cos@example.org> ", "Chief of Staff", "cos@example.org"),
        ('"J. Smith" <js@example.org>', "J. Smith", "js@example.org"),
        ("J. Smith <js@example.org>", "J. Smith", "js@example.org"),
        ("Élysée\u00a0Desk <elysee@Example.ORG>", "Élysée Desk", "elysee@example.org"),
        ("o'brien+briefs@example.org", "", "o'brien+briefs@example.org"),
        ("<ok@example.org>", "", "ok@example.org"),
        ("ok@xn--exmple-cua.org", "", "ok@xn--exmple-cua.org"),
    ],
)
def test_plain_addresses_are_taken_as_written(value: str, name: str, addr: str) -> None:
    address = parse_address(value)
    assert (address.display_name, address.addr_spec) == (name, addr)
