"""kubectl get -w: the list, then the watch from the list's resourceVersion."""

import queue
import threading
import time

import manifests as m


class LineReader:
    """Collects a background process's stdout lines on a thread."""

    def __init__(self, stream):
        self.lines: list[str] = []
        self._q: queue.Queue = queue.Queue()
        self._t = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._t.start()

    def _pump(self, stream):
        for line in stream:
            self._q.put(line.rstrip("\n"))
        self._q.put(None)

    def wait_for(self, wanted: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while wanted not in self.lines:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no line {wanted!r} within {timeout}s; got {self.lines}")
            try:
                line = self._q.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"watch output ended before {wanted!r}; got {self.lines}")
            self.lines.append(line)


def test_get_watch_output_watch_events(any_kubectl, api, ns):
    base = f"/api/v1/namespaces/{ns}/configmaps"
    api.create(base, m.configmap("before", {"k": "v"}))
    proc = any_kubectl.popen("get", "configmaps", "-n", ns, "-w", "--output-watch-events", "-o", "name")
    try:
        reader = LineReader(proc.stdout)
        # the list part: once it is printed, the watch runs from the list's resourceVersion,
        # so nothing that happens afterwards can be missed
        reader.wait_for("ADDED configmap/before")
        api.create(base, m.configmap("w1", {"k": "1"}))
        reader.wait_for("ADDED configmap/w1")
        api.expect(200, "PUT", f"{base}/w1", dict(m.configmap("w1", {"k": "2"})))
        reader.wait_for("MODIFIED configmap/w1")
        api.expect(200, "DELETE", f"{base}/w1")
        reader.wait_for("DELETED configmap/w1")
        mine = [l for l in reader.lines if l.endswith("configmap/w1")]
        assert mine == ["ADDED configmap/w1", "MODIFIED configmap/w1", "DELETED configmap/w1"], reader.lines
        assert proc.poll() is None, f"kubectl get -w exited on its own: {reader.lines}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except Exception:
            proc.kill()
            proc.wait(timeout=10)
