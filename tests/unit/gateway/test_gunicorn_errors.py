"""gunicorn's own error answers (a request it cannot parse never reaches Falcon) are problem+json
(issue #9: schemathesis sent a header name gunicorn refuses and got an HTML page)."""
import json
import socket

from gunicorn import util
from jsonschema import Draft202012Validator

from gateway import gunicorn_errors
from gateway.api.openapi import PROBLEM_SCHEMA


def split(answer: bytes):
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return lines[0], headers, body


def test_an_unparsable_request_gets_a_problem_with_its_status():
    status_line, headers, body = split(gunicorn_errors.problem_page(400, "Bad Request", "Invalid HTTP Header: 'DT-$'"))
    assert status_line == "HTTP/1.1 400 Bad Request"
    assert headers["Content-Type"] == "application/problem+json" and headers["Connection"] == "close"
    assert int(headers["Content-Length"]) == len(body)
    problem = json.loads(body)
    assert not list(Draft202012Validator(PROBLEM_SCHEMA).iter_errors(problem))
    assert problem == {"type": "urn:eplanning:problem:bad-request", "title": "Permintaan tidak valid", "status": 400,
                       "detail": "Invalid HTTP Header: 'DT-$'"}


def test_statuses_the_gateway_has_no_text_for_take_gunicorns_reason():
    _, _, body = split(gunicorn_errors.problem_page(431, "Request Header Fields Too Large", "Error parsing headers"))
    assert json.loads(body)["type"] == "urn:eplanning:problem:request-header-fields-too-large"
    _, _, body = split(gunicorn_errors.problem_page(500, "Internal Server Error", ""))
    problem = json.loads(body)
    assert problem["status"] == 500 and problem["detail"].startswith("Terjadi kesalahan")  # never an exception text


def test_install_replaces_gunicorns_html_writer(monkeypatch):
    monkeypatch.setattr(util, "write_error", util.write_error)  # restored after the test
    gunicorn_errors.install()
    left, right = socket.socketpair()
    try:
        util.write_error(left, 400, "Bad Request", "Invalid request line")
        answer = right.recv(65536)
    finally:
        left.close()
        right.close()
    assert b"<html>" not in answer and json.loads(split(answer)[2])["status"] == 400
