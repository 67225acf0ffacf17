#!/usr/bin/env python3
"""Drives the console's web UI in headless Chromium through the DevTools protocol over
--remote-debugging-pipe (no WebSocket library, no browser download): log in, see an invalid
policy's error in place, save a valid one, deploy a Dockerfile and receive rasp_embed.zip.

usage: browser_ui.py URL USER PASSWORD DOCKERFILE WORKDIR   (exit 0 when every step passed)
"""
import json
import os
import subprocess
import sys
import time
import zipfile

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


class Browser:
    def __init__(self, workdir):
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        # Chromium reads commands on fd 3 and writes replies on fd 4.
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--no-first-run", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
             "--ignore-certificate-errors", "--user-data-dir=" + os.path.join(workdir, "profile"),
             "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(os.path.join(workdir, "chromium.log"), "w"),
            pass_fds=(3, 4), preexec_fn=lambda: self._child_fds(to_chrome_r, from_chrome_w))
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.out = to_chrome_w
        self.inp = from_chrome_r
        self.buffer = b""
        self.next_id = 0
        self.session = None

    @staticmethod
    def _child_fds(read_end, write_end):
        # Via fresh descriptors first, so that neither end is overwritten by the other's dup2.
        a, b = os.dup(read_end), os.dup(write_end)
        os.dup2(a, 3)
        os.dup2(b, 4)

    def close(self):
        try:
            self.call("Browser.close", session=False)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def _read_message(self, deadline):
        while b"\0" not in self.buffer:
            if time.time() > deadline:
                raise TimeoutError("no answer from Chromium")
            chunk = os.read(self.inp, 65536)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, params=None, session=True, timeout=30):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.out, json.dumps(message).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(method + ": " + json.dumps(reply["error"]))
                return reply.get("result", {})

    def open_page(self, download_dir):
        target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = self.call("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, session=False)
        self.session = attached["sessionId"]
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": download_dir}, session=False)

    def eval(self, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError("JS error in " + expression + ": " + json.dumps(result["exceptionDetails"]))
        return result["result"].get("value")

    def wait_for(self, expression, what, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if self.eval(expression):
                    return
            except RuntimeError:
                pass
            time.sleep(0.1)
        raise AssertionError("timed out waiting for " + what)

    def set_value(self, element_id, value):
        self.eval("(() => { const e = document.getElementById(%s); e.value = %s; "
                  "e.dispatchEvent(new Event('input', {bubbles: true})); })()" % (json.dumps(element_id), json.dumps(value)))

    def click(self, element_id):
        self.eval("document.getElementById(%s).click()" % json.dumps(element_id))

    def set_file(self, element_id, path):
        node = self.call("Runtime.evaluate", {"expression": "document.getElementById(%s)" % json.dumps(element_id)})
        self.call("DOM.setFileInputFiles", {"files": [path], "objectId": node["result"]["objectId"]})


def main():
    url, user, password, dockerfile, workdir = sys.argv[1:6]
    downloads = os.path.join(workdir, "downloads")
    os.makedirs(downloads, exist_ok=True)
    browser = Browser(workdir)
    try:
        browser.open_page(downloads)
        browser.call("Page.navigate", {"url": url})
        browser.wait_for("!document.getElementById('page-login').hidden", "the login page")

        # A wrong password is refused in place.
        browser.set_value("login-user", user)
        browser.set_value("login-password", "wrong-password")
        browser.click("login-submit")
        browser.wait_for("document.getElementById('login-error').textContent.length > 0", "the login error")

        browser.set_value("login-password", password)
        browser.click("login-submit")
        browser.wait_for("!document.getElementById('page-defenders').hidden", "the defenders page")
        print("ok: logged in")

        # Policy editor: an error is shown with its place, on its line.
        browser.eval("location.hash = '#policies'")
        browser.wait_for("!document.getElementById('page-policies').hidden", "the policies page")
        browser.set_value("policy-app", "shop")
        browser.set_value("policy-text", "version: 1\napp_id: shop\nnetwork:\n  deyn: [evil.example]\n")
        browser.click("policy-save")
        browser.wait_for("document.getElementById('policy-errors').children.length > 0", "the policy errors")
        error = browser.eval("document.getElementById('policy-errors').children[0].textContent")
        assert error.startswith("shop.yaml:4:3:"), error
        bad_line = browser.eval("[...document.querySelectorAll('#policy-gutter span.bad')].map(s => s.textContent)")
        assert bad_line == ["4"], bad_line
        print("ok: policy error shown in place: " + error)

        browser.set_value("policy-text", "version: 1\napp_id: shop\nnetwork:\n  deny: [evil.example]\n")
        browser.click("policy-save")
        browser.wait_for("document.getElementById('policy-status').textContent.startsWith('saved version 1')",
                         "the saved policy")
        browser.wait_for("document.getElementById('policy-list').textContent.includes('shop (v1)')", "the policy list")
        print("ok: policy saved")

        # Deploy: upload a Dockerfile, receive the zip.
        browser.eval("location.hash = '#deploy'")
        browser.wait_for("!document.getElementById('page-deploy').hidden", "the deploy page")
        browser.set_value("deploy-app", "shop")
        browser.set_file("deploy-file", dockerfile)
        browser.click("deploy-submit")
        browser.wait_for("document.getElementById('deploy-download') !== null", "the embed answer", timeout=60)
        target = os.path.join(downloads, "rasp_embed.zip")
        deadline = time.time() + 30
        while time.time() < deadline and not (os.path.exists(target) and zipfile.is_zipfile(target)):
            time.sleep(0.1)
        with zipfile.ZipFile(target) as bundle:
            names = bundle.namelist()
            assert {"Dockerfile", "defender", "policy.yaml"} <= set(names), names
            assert b"deny: [evil.example]" in bundle.read("policy.yaml")
            assert b"RASP_DEFENDER_ID=shop" in bundle.read("Dockerfile") or b"shop" in bundle.read("Dockerfile")
        print("ok: deployed, got rasp_embed.zip with " + ", ".join(names))

        # Events page with its filters answers.
        browser.eval("location.hash = '#events'")
        browser.wait_for("!document.getElementById('page-events').hidden", "the events page")
        browser.set_value("ev-since", "not a time")
        browser.eval("document.getElementById('events-form').requestSubmit()")
        browser.wait_for("document.getElementById('events-error').textContent.includes('since')", "the filter error")
        print("ok: events page")
        return 0
    finally:
        browser.close()


if __name__ == "__main__":
    sys.exit(main())
