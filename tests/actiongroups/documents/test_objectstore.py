"""Uploads in an S3-compatible object store (app/objectstore.py), with moto standing in for the store."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from app.actiongroups.documents.models import Document
from app.extensions import db
from app.objectstore import LocalStorage, S3Storage, upload_storage
from app.uploads import UploadRejected, delete_stored, open_stored, store_upload, stored_upload
from tests.actiongroups.documents.conftest import PDF, stored_files
from tests.actiongroups.documents.test_routes import SLUG, count_documents, upload_data

BUCKET = "hub-uploads"


@pytest.fixture
def s3(app, monkeypatch):
    """The app's uploads go to a bucket of a mocked S3 store; yields a client to look inside it."""
    moto = pytest.importorskip("moto")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    with moto.mock_aws():
        import boto3

        client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
        client.create_bucket(Bucket=BUCKET)
        app.config.update(S3_BUCKET=BUCKET, S3_REGION="us-east-1", S3_ACCESS_KEY_ID="test",
                          S3_SECRET_ACCESS_KEY="test", S3_UPLOAD_PREFIX="uploads/")
        yield client


def keys(client) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def fs(content: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(content), filename=name)


def test_the_local_disk_is_the_default(app):
    storage = upload_storage()
    assert isinstance(storage, LocalStorage) and str(storage.local_root) == app.config["UPLOAD_DIR"]


def test_with_a_bucket_files_go_to_the_store_and_never_to_the_disk(app, s3, upload_dir):
    assert isinstance(upload_storage(), S3Storage)
    stored = store_upload(fs(PDF, "report.pdf"))
    assert keys(s3) == [f"uploads/{stored.path_key}"]
    head = s3.head_object(Bucket=BUCKET, Key=f"uploads/{stored.path_key}")
    assert head["ContentType"] == "application/pdf" and head["ContentLength"] == len(PDF)
    with open_stored(stored.path_key) as f:
        assert f.read() == PDF
    assert stored_files(upload_dir) == []
    assert delete_stored(stored.path_key) is True and keys(s3) == []
    assert delete_stored(stored.path_key) is False
    with pytest.raises(FileNotFoundError):
        open_stored(stored.path_key)


def test_a_refused_file_never_reaches_the_store(app, s3):
    with pytest.raises(UploadRejected):
        store_upload(fs(PDF, "picture.png"))
    assert keys(s3) == []


def test_a_transaction_that_does_not_commit_removes_the_file_from_the_store(app, s3):
    with pytest.raises(RuntimeError):
        with stored_upload(fs(PDF, "report.pdf")):
            raise RuntimeError("the service failed")
    assert keys(s3) == []


def test_a_store_that_refuses_the_write_is_a_form_error(app, s3):
    s3.delete_bucket(Bucket=BUCKET)
    with pytest.raises(UploadRejected, match="could not be saved"):
        store_upload(fs(PDF, "report.pdf"))


def test_upload_then_download_through_the_store_after_the_permission_check(app, as_role, group_world, s3, upload_dir,
                                                                           monkeypatch):
    client = as_role("member")
    response = client.post(f"/actiongroups/{SLUG}/documents/new", content_type="multipart/form-data",
                           data=upload_data(name="Annual report.pdf", title="Annual report"))
    assert response.status_code == 302
    document = db.session.scalar(sa.select(Document))
    version = document.current_version
    assert keys(s3) == [f"uploads/{version.path_key}"] and stored_files(upload_dir) == []
    url = f"/actiongroups/{SLUG}/documents/{document.id}/versions/{version.id}/download"
    download = client.get(url)
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "private, no-store"
    # someone who may not see the workspace gets no bytes: the store is not even asked
    asked = []
    monkeypatch.setattr(S3Storage, "open", lambda self, key: asked.append(key))
    stranger = app.test_client()
    assert stranger.get(url).status_code == 302 and asked == []


def test_a_file_gone_from_the_store_is_a_404(as_role, group_world, s3):
    client = as_role("member")
    client.post(f"/actiongroups/{SLUG}/documents/new", content_type="multipart/form-data",
                data=upload_data(name="report.pdf", title="Report"))
    document = db.session.scalar(sa.select(Document))
    version = document.current_version
    s3.delete_object(Bucket=BUCKET, Key=f"uploads/{version.path_key}")
    url = f"/actiongroups/{SLUG}/documents/{document.id}/versions/{version.id}/download"
    assert client.get(url).status_code == 404
    assert count_documents() == 1
