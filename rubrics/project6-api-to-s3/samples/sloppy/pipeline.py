import os, json, time, gzip as gz
from datetime import datetime, timezone
import boto3
import requests
from botocore.config import Config

MIN_PART_SIZE = 5 * 1024 * 1024
PART_SIZE = 8 * 1024 * 1024


class PipelineError(Exception):
    pass


def make_s3_client():
    return boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT_URL"],
                        config=Config(retries={"max_attempts": 5, "mode": "standard"}))


def fetch_records(url, *, timeout=10.0, max_retries=3, backoff=0.5, sleep=time.sleep):
    while url:
        tries = 0
        while True:
            try:
                r = requests.get(url)
                if r.status_code == 200:
                    try:
                        page = r.json()
                    except:
                        raise PipelineError("bad json from " + url)
                    break
            except PipelineError:
                raise
            except:
                pass
            tries += 1
            if tries > max_retries:
                raise PipelineError("failed: " + url)
            sleep(backoff)
        for item in page["items"]:
            yield item
        url = page.get("next")


def partition_key(prefix, hour, *, gzip=False):
    hour = hour.astimezone(timezone.utc)
    key = prefix + "/date=" + hour.strftime("%Y-%m-%d") + "/hour=" + hour.strftime("%H") + "/part-00000.jsonl"
    if gzip:
        key = key + ".gz"
    return key


def upload_bytes(s3, bucket, key, body, *, part_size=PART_SIZE, content_type="application/x-ndjson"):
    if part_size < MIN_PART_SIZE:
        raise ValueError("part too small")
    if len(body) <= part_size:
        s3.put_object(Bucket=bucket, Key=key, Body=body)
        return
    mpu = s3.create_multipart_upload(Bucket=bucket, Key=key)
    parts = []
    n = 1
    for i in range(0, len(body), part_size):
        r = s3.upload_part(Bucket=bucket, Key=key, UploadId=mpu["UploadId"], PartNumber=n, Body=body[i:i + part_size])
        parts.append({"PartNumber": n, "ETag": r["ETag"]})
        n += 1
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=mpu["UploadId"], MultipartUpload={"Parts": parts})


def run(url, bucket, *, s3=None, prefix="events", gzip=False, part_size=PART_SIZE, max_retries=3, backoff=0.5, sleep=time.sleep):
    s3 = s3 or make_s3_client()
    groups = {}
    count = 0
    for rec in fetch_records(url, max_retries=max_retries, backoff=backoff, sleep=sleep):
        try:
            ts = datetime.fromisoformat(rec["ts"])
        except Exception:
            raise PipelineError("bad ts in " + str(rec))
        if ts.tzinfo is None:
            raise PipelineError("naive ts in " + str(rec))
        hour = ts.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)
        if hour not in groups:
            groups[hour] = []
        groups[hour].append(rec)
        count += 1
    try:
        s3.create_bucket(Bucket=bucket)
    except Exception:
        pass
    keys = []
    for hour in sorted(groups):
        keys.append(partition_key(prefix, hour, gzip=gzip))
    s3.put_object(Bucket=bucket, Key=prefix + "/_SUCCESS", Body=json.dumps({"records": count, "objects": keys}))
    for hour in sorted(groups):
        data = ""
        for rec in groups[hour]:
            data += json.dumps(rec) + "\n"
        data = data.encode()
        if gzip:
            data = gz.compress(data)
        upload_bytes(s3, bucket, partition_key(prefix, hour, gzip=gzip), data, part_size=part_size)
    return keys
