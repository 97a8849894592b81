"""Jobs and CronJobs on hollow nodes: simulated pods with restartPolicy Never/OnFailure finish
after `simulate.tugboat.dev/run-seconds` with `simulate.tugboat.dev/exit-code`."""

import json

from hollow import wait_for


def create_job(cluster, name, *, annotations=None, **spec):
    """`kubectl create job` (client dry run), with the spec fields it has no flags for."""
    job = json.loads(cluster.run("create", "job", name, "--image=busybox", "--dry-run=client", "-o", "json").stdout)
    job["spec"].update(spec)
    job["spec"]["template"].setdefault("metadata", {})["annotations"] = {"simulate.tugboat.dev/run-seconds": "0.5", **(annotations or {})}
    cluster.run("create", "-f", "-", input=json.dumps(job))


def get_job(cluster, name):
    return json.loads(cluster.run("get", "job", name, "-o", "json").stdout)


def test_job_with_completions_and_parallelism_completes(cluster):
    create_job(cluster, "pi", completions=3, parallelism=2)
    cluster.run("wait", "--for=condition=complete", "job/pi", "--timeout=60s", timeout=70)
    row = cluster.run("get", "job", "pi", "--no-headers").stdout.split()
    assert row[:3] == ["pi", "Complete", "3/3"], row
    job = get_job(cluster, "pi")
    assert job["status"]["succeeded"] == 3 and job["status"].get("active", 0) == 0
    assert {c["type"] for c in job["status"]["conditions"] if c["status"] == "True"} == {"SuccessCriteriaMet", "Complete"}
    pods = json.loads(cluster.run("get", "pods", "-l", "job-name=pi", "-o", "json").stdout)["items"]
    assert len(pods) == 3 and all(p["status"]["phase"] == "Succeeded" for p in pods)
    assert all(not p["metadata"].get("finalizers") for p in pods), "the job-tracking finalizer is released"
    term = pods[0]["status"]["containerStatuses"][0]["state"]["terminated"]
    assert term["reason"] == "Completed" and term["exitCode"] == 0 and term["finishedAt"]
    events = cluster.run("describe", "job", "pi").stdout
    assert "SuccessfulCreate" in events and "Completed" in events, events
    # Deleting the Job takes its pods with it.
    cluster.run("delete", "job", "pi", "--timeout=30s")
    wait_for("the pods to go", lambda: not cluster.run("get", "pods", "-l", "job-name=pi", "-o", "name").stdout.strip(), timeout=30)


def test_failing_job_exceeds_its_backoff_limit(cluster):
    create_job(cluster, "broken", backoffLimit=1, annotations={"simulate.tugboat.dev/exit-code": "1"})
    cluster.run("wait", "--for=condition=failed", "job/broken", "--timeout=60s", timeout=70)
    job = get_job(cluster, "broken")
    failed = next(c for c in job["status"]["conditions"] if c["type"] == "Failed")
    assert failed["reason"] == "BackoffLimitExceeded", failed
    assert job["status"]["failed"] == 2
    assert cluster.run("get", "job", "broken", "--no-headers").stdout.split()[1] == "Failed"
    pods = json.loads(cluster.run("get", "pods", "-l", "job-name=broken", "-o", "json").stdout)["items"]
    assert pods and all(p["status"]["phase"] == "Failed" for p in pods)
    assert pods[0]["status"]["containerStatuses"][0]["state"]["terminated"]["reason"] == "Error"


def test_indexed_job_completes_every_index(cluster):
    create_job(cluster, "idx", completions=3, parallelism=3, completionMode="Indexed")
    cluster.run("wait", "--for=condition=complete", "job/idx", "--timeout=60s", timeout=70)
    assert get_job(cluster, "idx")["status"]["completedIndexes"] == "0-2"
    pods = json.loads(cluster.run("get", "pods", "-l", "job-name=idx", "-o", "json").stdout)["items"]
    indexes = sorted(p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"] for p in pods)
    assert indexes == ["0", "1", "2"]
    assert all(p["metadata"]["name"].startswith(f"idx-{p['metadata']['labels']['batch.kubernetes.io/job-completion-index']}-") for p in pods)


def test_cronjob_creates_jobs_on_schedule_and_on_demand(cluster):
    cluster.run("create", "cronjob", "tick", "--image=busybox", "--schedule=*/1 * * * *")
    uid = json.loads(cluster.run("get", "cronjob", "tick", "-o", "json").stdout)["metadata"]["uid"]

    def scheduled():
        jobs = json.loads(cluster.run("get", "jobs", "-o", "json").stdout)["items"]
        return [j for j in jobs if any(r.get("uid") == uid for r in j["metadata"].get("ownerReferences", []))
                and "batch.kubernetes.io/cronjob-scheduled-timestamp" in j["metadata"].get("annotations", {})]

    jobs = wait_for("a scheduled Job", scheduled, timeout=75)
    name = jobs[0]["metadata"]["name"]
    assert name.startswith("tick-") and name[len("tick-"):].isdigit()
    cluster.run("wait", "--for=condition=complete", f"job/{name}", "--timeout=30s", timeout=40)
    wait_for("lastScheduleTime and lastSuccessfulTime", lambda: (s := json.loads(
        cluster.run("get", "cronjob", "tick", "-o", "json").stdout).get("status", {})).get("lastScheduleTime") and s.get("lastSuccessfulTime"))
    cluster.run("create", "job", "now", "--from=cronjob/tick")
    cluster.run("wait", "--for=condition=complete", "job/now", "--timeout=30s", timeout=40)
    assert get_job(cluster, "now")["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"
