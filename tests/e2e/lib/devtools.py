"""A tiny Chrome DevTools Protocol client for the end-to-end tests (python3 standard library only).

Usage: devtools.py DEVTOOLS_PORT COMMAND...
  open URL             navigate the first page target to URL
  wait TEXT [SECONDS]  poll the page's text until it contains TEXT (default 20 s); exit 1 on timeout
  gone TEXT [SECONDS]  poll until the page's text no longer contains TEXT
  keys TEXT            type TEXT, one key at a time ("\\e" is Escape, "\\n" is Enter)
  braille yes|no       whether the page's text holds braille characters (U+2800-U+28FF); exit 1 if not
  text                 print the page's text
Commands run in order; the page's text is printed on a failure, so the test log shows the screen.
"""
import base64
import json
import os
import socket
import struct
import sys
import time
import urllib.request


class DevTools:
    def __init__(self, port):
        deadline = time.time() + 20
        while True:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port, timeout=2) as r:
                    targets = json.load(r)
                pages = [t for t in targets if t.get("type") == "page" and "webSocketDebuggerUrl" in t]
                if pages:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                raise SystemExit("devtools: no page target on port %d" % port)
            time.sleep(0.2)
        self.sock = self._connect(pages[0]["webSocketDebuggerUrl"])
        self.next_id = 0

    @staticmethod
    def _connect(url):
        assert url.startswith("ws://")
        host_port, path = url[5:].split("/", 1)
        host, port = host_port.rsplit(":", 1)
        sock = socket.create_connection((host, int(port)), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall(("GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, host_port, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(1)
            if not chunk:
                raise SystemExit("devtools: the websocket handshake was cut off")
            head += chunk
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise SystemExit("devtools: websocket refused: %r" % head[:80])
        return sock

    def _exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise SystemExit("devtools: the browser closed the connection")
            data += chunk
        return data

    def _send(self, text, opcode=0x1):
        data = text.encode() if isinstance(text, str) else text
        mask = os.urandom(4)
        n = len(data)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _receive(self):
        message = b""
        while True:
            b1, b2 = self._exact(2)
            n = b2 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._exact(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._exact(8))[0]
            mask = self._exact(4) if b2 & 0x80 else None
            payload = self._exact(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            opcode = b1 & 0x0F
            if opcode == 0x8:
                raise SystemExit("devtools: the browser closed the websocket")
            if opcode == 0x9:
                self._send(payload, 0xA)
                continue
            if opcode == 0xA:
                continue
            message += payload
            if b1 & 0x80:
                return json.loads(message.decode())

    def call(self, method, **params):
        self.next_id += 1
        self._send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            reply = self._receive()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise SystemExit("devtools: %s failed: %s" % (method, reply["error"]))
                return reply.get("result", {})

    def text(self):
        result = self.call("Runtime.evaluate", expression="document.body ? document.body.innerText : ''",
                           returnByValue=True)
        return result.get("result", {}).get("value") or ""

    def key(self, ch):
        special = {"\x1b": ("Escape", "Escape", 27, ""), "\r": ("Enter", "Enter", 13, "\r")}
        if ch in special:
            key, code, vk, text = special[ch]
        else:
            key, text = ch, ch
            code = "Key" + ch.upper() if ch.isalpha() else ""
            vk = ord(ch.upper()) if ch.isalnum() else {"?": 191, " ": 32, ".": 190}.get(ch, 0)
        down = {"type": "keyDown" if text else "rawKeyDown", "key": key, "code": code,
                "windowsVirtualKeyCode": vk, "nativeVirtualKeyCode": vk}
        if text:
            down["text"] = down["unmodifiedText"] = text
        self.call("Input.dispatchKeyEvent", **down)
        self.call("Input.dispatchKeyEvent", type="keyUp", key=key, code=code, windowsVirtualKeyCode=vk,
                  nativeVirtualKeyCode=vk)


def poll(tools, text, seconds, present):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if (text in tools.text()) == present:
            return True
        time.sleep(0.2)
    return False


def main(argv):
    tools = DevTools(int(argv[1]))
    args = argv[2:]
    while args:
        command = args.pop(0)
        if command == "open":
            tools.call("Page.navigate", url=args.pop(0))
        elif command in ("wait", "gone"):
            text = args.pop(0)
            seconds = float(args.pop(0)) if args and args[0].replace(".", "", 1).isdigit() else 20.0
            if not poll(tools, text, seconds, command == "wait"):
                sys.stderr.write("devtools: %s '%s' timed out; the page shows:\n%s\n" %
                                 ("waiting for" if command == "wait" else "waiting for the end of", text,
                                  tools.text()))
                return 1
        elif command == "keys":
            for ch in args.pop(0).replace("\\e", "\x1b").replace("\\n", "\r"):
                tools.key(ch)
                time.sleep(0.1)
        elif command == "braille":
            want = args.pop(0) == "yes"
            text = tools.text()
            if any(0x2800 <= ord(c) <= 0x28FF for c in text) != want:
                sys.stderr.write("devtools: braille %s expected; the page shows:\n%s\n" %
                                 ("characters" if want else "none", text))
                return 1
        elif command == "text":
            sys.stdout.write(tools.text() + "\n")
        else:
            sys.stderr.write("devtools: unknown command %s\n" % command)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
