"""A small FastCGI client: the web server's side of the protocol, for talking to the responder directly."""
import socket
import struct

BEGIN_REQUEST, ABORT_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT, STDERR, DATA, GET_VALUES = 1, 2, 3, 4, 5, 6, 7, 8, 9
RESPONDER, AUTHORIZER, FILTER = 1, 2, 3


def record(kind, content=b"", request_id=1, version=1):
    return struct.pack(">BBHHBx", version, kind, request_id, len(content), 0) + content


def name_value_pairs(pairs):
    out = b""
    for name, value in pairs:
        for part in (name, value):
            out += bytes([len(part)]) if len(part) < 128 else struct.pack(">I", len(part) | 0x80000000)
        out += name + value
    return out


def params_records(pairs, request_id=1):
    content = name_value_pairs(pairs)
    chunks = [content[i:i + 65535] for i in range(0, len(content), 65535)]
    return b"".join(record(PARAMS, chunk, request_id) for chunk in chunks) + record(PARAMS, b"", request_id)


def stdin_records(body, request_id=1, chunk=32768):
    return b"".join(record(STDIN, body[i:i + chunk], request_id) for i in range(0, len(body), chunk)) + record(STDIN, b"", request_id)


def begin(role=RESPONDER, keep=False, request_id=1):
    return record(BEGIN_REQUEST, struct.pack(">HB5x", role, 1 if keep else 0), request_id)


def http_params(method, uri, body=b"", content_type="application/json", extra=()):
    pairs = [(b"REQUEST_METHOD", method.encode()), (b"REQUEST_URI", uri.encode()),
             (b"CONTENT_TYPE", content_type.encode()), (b"CONTENT_LENGTH", str(len(body)).encode())]
    return pairs + list(extra)


class Connection:
    def __init__(self, path, timeout=10.0):
        """`path` is a Unix socket's path, or a (host, port) pair for TCP (IPv6 when the host has a ':')."""
        tcp = isinstance(path, tuple)
        family = (socket.AF_INET6 if ":" in path[0] else socket.AF_INET) if tcp else socket.AF_UNIX
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path if tcp else str(path))

    @classmethod
    def over(cls, sock):
        """A client on a socket already connected."""
        connection = cls.__new__(cls)
        connection.sock = sock
        return connection

    def send(self, data):
        self.sock.sendall(data)

    def read_response(self):
        """The CGI output up to END_REQUEST, or None when the responder closed first."""
        output = b""
        while True:
            header = self._exactly(8)
            if header is None:
                return None
            _, kind, _, length, padding = struct.unpack(">BBHHBx", header)
            content = self._exactly(length + padding)
            if content is None:
                return None
            if kind == STDOUT:
                output += content[:length]
            elif kind == END_REQUEST:
                self.protocol_status = content[4]  # 0 complete, 1 can't multiplex, 3 unknown role
                return output

    def closed_without_answer(self):
        """True when the responder closed the connection without sending a byte; a timeout of
        this socket (the responder kept it open) or any answer is False."""
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False

    def still_open(self):
        """Nothing to read yet and not closed: the responder still holds the connection. Looks
        without waiting (a socket with a timeout waits for data before any recv, MSG_DONTWAIT or not)."""
        timeout = self.sock.gettimeout()
        self.sock.setblocking(False)
        try:
            return self.sock.recv(1) != b""
        except BlockingIOError:
            return True
        except ConnectionResetError:
            return False
        finally:
            self.sock.settimeout(timeout)

    def read_record(self):
        """One record as (type, request id, content), or None when the responder closed first."""
        header = self._exactly(8)
        if header is None:
            return None
        _, kind, request_id, length, padding = struct.unpack(">BBHHBx", header)
        content = self._exactly(length + padding)
        return None if content is None else (kind, request_id, content[:length])

    def _exactly(self, count):
        data = b""
        while len(data) < count:
            try:
                chunk = self.sock.recv(count - len(data))
            except (ConnectionResetError, socket.timeout):
                return None
            if not chunk:
                return None
            data += chunk
        return data

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def request(path, method, uri, body=b"", extra=(), content_type="application/json"):
    with Connection(path) as connection:
        connection.send(begin() + params_records(http_params(method, uri, body, content_type, extra)) + stdin_records(body))
        return connection.read_response()


def status_of(output):
    if not output or not output.startswith(b"Status: "):
        return None
    return int(output[8:11])
