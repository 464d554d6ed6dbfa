import pytest

from xmldirect import errors as E
from xmldirect.errors import batch_error, error_for_result


@pytest.mark.parametrize(
    ("type_code", "desc", "cls"),
    [
        (5, "Unauthorized", E.DirectoUnauthorized),
        (5, "Unauthorized: component 'invoice' not allowed for this key", E.DirectoNotActivated),
        (5, "XML Direct not activated", E.DirectoNotActivated),
        (8, "Invalid XML given", E.DirectoInvalidXml),
        (11, "Duplicate", E.DirectoDuplicate),
        (14, "Update not allowed", E.DirectoConfirmedLocked),
        (31, "Item X not found", E.DirectoReferenceNotFound),
        (404, "Invalid url given", E.DirectoRoutingError),
        (1, "korduv arve", E.DirectoError),
        (12, "Missing document identificator", E.DirectoError),
        (13, "Missing customer email or reg.no", E.DirectoError),
        (29, "Not confirmed", E.DirectoError),
        (None, "token required", E.DirectoTokenRequired),
        (None, "Unauthorized", E.DirectoUnauthorized),
        (None, "something else", E.DirectoError),
    ],
)
def test_error_for_result(type_code, desc, cls):
    err = error_for_result(type_code, desc)
    assert type(err) is cls
    assert err.type_code == type_code
    assert err.desc == desc
    assert err.retryable is False
    assert desc in str(err)
    if type_code is not None:
        assert f"type {type_code}" in str(err)


def test_transient_hierarchy():
    assert issubclass(E.DirectoTimeout, E.DirectoTransientError)
    assert E.DirectoTimeout("x").retryable and E.DirectoTransientError("x").retryable
    for cls in (
        E.DirectoUnauthorized, E.DirectoNotActivated, E.DirectoTokenRequired,
        E.DirectoInvalidXml, E.DirectoDuplicate, E.DirectoConfirmedLocked,
        E.DirectoReferenceNotFound, E.DirectoRoutingError, E.DirectoProtocolError,
    ):  # fmt: skip
        assert issubclass(cls, E.DirectoError)
        assert cls("x").retryable is False


def test_str_with_http_status():
    err = E.DirectoTransientError("Directo answered HTTP 503", http_status=503)
    assert "HTTP 503" in str(err)


def test_batch_error_keeps_cause_class():
    cause = E.DirectoTimeout("slow")
    err = batch_error(cause, failed_numbers=[2], unsent_numbers=[3])
    assert isinstance(err, E.DirectoTimeout)
    assert isinstance(err, E.DirectoTransientError)
    assert isinstance(err, E.DirectoBatchError)
    assert err.retryable is True
    assert err.cause is cause
    assert err.failed_numbers == [2] and err.unsent_numbers == [3]
    assert type(batch_error(E.DirectoTimeout("again"))) is type(err)  # cached class
    final = batch_error(E.DirectoUnauthorized("Unauthorized", 5))
    assert isinstance(final, E.DirectoUnauthorized) and final.retryable is False
    assert final.type_code == 5


def test_translated_error_uses_gettext_for_the_title_and_keeps_directo_words():
    """What a user reads of an error: our title in their language, Directo's own words and
    the technical detail verbatim."""
    table = {
        "Directo did not answer in time": "Directo ei vastanud õigeaegselt",
        "A referenced record was not found in Directo": "Viidatud kirjet Directos ei leitud",
        "(Directo type %(type)s)": "(Directo tüüp %(type)s)",
    }

    def gettext(template, **params):
        return table[template] % params if params else table[template]

    timeout = E.DirectoTimeout("No answer within 60 s")
    assert timeout.translated(gettext) == "Directo ei vastanud õigeaegselt: No answer within 60 s"
    missing = E.DirectoReferenceNotFound("Artiklit ei leitud", 31)
    assert missing.translated(gettext) == (
        "Viidatud kirjet Directos ei leitud: Artiklit ei leitud (Directo tüüp 31)"
    )
    assert str(missing) == (
        "A referenced record was not found in Directo: Artiklit ei leitud (Directo type 31)"
    )


def test_errors_the_client_words_itself_are_translated_whole():
    """A failure the client explains (no Directo words in it) reaches the user entirely
    through gettext; only technical values (a library's message, a number) stay as they are."""
    err = E.explained(
        E.DirectoTransientError, "Connection to Directo failed: %(detail)s", detail="[Errno 111]"
    )
    assert err.desc == "Connection to Directo failed: [Errno 111]"  # logs and exchanges
    assert (
        str(err) == "Directo is temporarily unreachable: Connection to Directo failed: [Errno 111]"
    )

    def gettext(template, **params):
        return "«%s»" % (template % params if params else template)

    assert err.translated(gettext) == (
        "«Directo is temporarily unreachable»: «Connection to Directo failed: [Errno 111]»"
    )


def test_a_refused_port_is_explained(make_client):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = make_client(url=f"http://127.0.0.1:{port}/xmlcore/cap_xml_direct/xmlcore.asp")
    try:
        client.check_connection()
    except E.DirectoTransientError as err:
        assert err.explanation[0] == "Connection to Directo failed: %(detail)s"
    else:
        raise AssertionError("a closed port answered")
