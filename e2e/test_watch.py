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

    def events(self) -> list[str]:
        """The lines as "EVENT NAME" (the first two columns of kubectl's watch table)."""
        return [" ".join(l.split()[:2]) for l in self.lines]

    def wait_for(self, wanted: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while wanted not in self.events():
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
    """`kubectl get cm -w --output-watch-events` prints a table with an EVENT column; the
    watch asks for Table rows too. (With -o name kubectl drops the event type.)"""
    base = f"/api/v1/namespaces/{ns}/configmaps"
    api.create(base, m.configmap("before", {"k": "v"}))
    proc = any_kubectl.popen("get", "configmaps", "-n", ns, "-w", "--output-watch-events")
    try:
        reader = LineReader(proc.stdout)
        # the list part: once it is printed, the watch runs from the list's resourceVersion,
        # so nothing that happens afterwards can be missed
        reader.wait_for("ADDED before")
        assert reader.lines[0].split() == ["EVENT", "NAME", "DATA", "AGE"], reader.lines
        api.create(base, m.configmap("w1", {"k": "1"}))
        reader.wait_for("ADDED w1")
        api.expect(200, "PUT", f"{base}/w1", dict(m.configmap("w1", {"k": "2", "k2": "3"})))
        reader.wait_for("MODIFIED w1")
        api.expect(200, "DELETE", f"{base}/w1")
        reader.wait_for("DELETED w1")
        mine = [l.split() for l in reader.lines if l.split()[1:2] == ["w1"]]
        assert [r[:3] for r in mine] == [["ADDED", "w1", "1"], ["MODIFIED", "w1", "2"], ["DELETED", "w1", "2"]], \
            reader.lines
        assert proc.poll() is None, f"kubectl get -w exited on its own: {reader.lines}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except Exception:
            proc.kill()
            proc.wait(timeout=10)
