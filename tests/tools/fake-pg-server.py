#!/usr/bin/env python3
"""fake-pg-server.py ADDR PORT LOG: a server that is not PostgreSQL.

It speaks just enough of the v3 protocol to steal a password: it declines
SSL and GSS encryption ('N'), asks for a cleartext password
(AuthenticationCleartextPassword) and notes in LOG, one line per event,
"sslrequest", "gssrequest", "startup USER" and "password" when a
PasswordMessage arrives (never the password itself), then closes.  It
writes "listening" to LOG once it accepts connections.  Used by
tests/integration/tls-trust.sh.
"""
import socket
import struct
import sys

SSL_REQUEST = 80877103
GSS_REQUEST = 80877104
PROTOCOL_3 = 196608


def log(path, line):
    with open(path, "a") as f:
        f.write(line + "\n")


def recv_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def serve(conn, path):
    while True:
        length, code = struct.unpack("!ii", recv_exact(conn, 8))
        body = recv_exact(conn, length - 8)
        if code == SSL_REQUEST:
            log(path, "sslrequest")
            conn.sendall(b"N")
        elif code == GSS_REQUEST:
            log(path, "gssrequest")
            conn.sendall(b"N")
        elif code == PROTOCOL_3:
            fields = body.split(b"\0")
            params = dict(zip(fields[0::2], fields[1::2]))
            log(path, "startup " + params.get(b"user", b"?").decode())
            break
        else:
            log(path, "unknown %d" % code)
            return
    # AuthenticationCleartextPassword
    conn.sendall(b"R" + struct.pack("!ii", 8, 3))
    kind = recv_exact(conn, 1)
    length = struct.unpack("!i", recv_exact(conn, 4))[0]
    recv_exact(conn, length - 4)
    if kind == b"p":
        log(path, "password")
    else:
        log(path, "message " + kind.decode(errors="replace"))


def main():
    addr, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(16)
    log(path, "listening")
    while True:
        conn, _ = srv.accept()
        try:
            conn.settimeout(30)
            serve(conn, path)
        except (EOFError, OSError, struct.error):
            pass
        finally:
            conn.close()


if __name__ == "__main__":
    main()
