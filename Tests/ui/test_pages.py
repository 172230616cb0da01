"""The web UI in a real browser (Debian's Chromium via Playwright) against a real server.
Tests run in file order and build on each other's data, as a user's day would."""
import base64
import json
import re
import subprocess
import urllib.request

from conftest import PHOTOS, ROOT

PHONE = {"width": 390, "height": 844}


def drop_file(page, selector, path, mime="image/jpeg"):
    """A real drop event carrying a file, as a user dragging from their desktop produces."""
    data = base64.b64encode(path.read_bytes()).decode()
    transfer = page.evaluate_handle(
        """([name, b64, mime]) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, { type: mime }));
            return transfer;
        }""", [path.name, data, mime])
    page.dispatch_event(selector, "drop", {"dataTransfer": transfer})


def test_anonymous_visitors_see_the_public_gallery_only(session_for):
    visitor = session_for()
    page = visitor.page
    response = page.goto("/ui/gallery")
    assert "Public gallery" in page.inner_text("h1")
    headers = response.headers
    assert "script-src 'self'" in headers["content-security-policy"] and "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert page.locator("nav a").all_inner_texts() == ["Gallery"]
    page.goto("/ui/upload")
    assert "/ui/login" in page.url
    visitor.screenshot("login-desktop")


def test_a_visitor_in_public_mode_uploads_and_follows_it_to_the_anonymized_copy(public_session_for, public_server):
    """Seed 002's flow, anonymously, with PUBLIC_UPLOADS=true: upload, follow the job with the
    receipt, see the anonymized copy, find it in the public gallery."""
    for viewport, name in [(None, "public-upload-desktop"), (PHONE, "public-upload-phone")]:
        visitor = public_session_for(viewport=viewport)
        page = visitor.page
        page.goto("/ui/gallery")
        assert page.locator("nav a").all_inner_texts() == ["Gallery", "Upload"]
        page.click("nav >> text=Upload")
        page.wait_for_url("**/ui/upload")
        assert page.is_checked("#public")
        page.set_input_files("#files", str(PHOTOS / "obama.jpg"))
        copy = page.locator("#upload-rows .receipt-copy img")
        copy.wait_for()
        assert "/media/processed/" in copy.get_attribute("src")
        page.wait_for_function("() => document.querySelector('#upload-rows .receipt-copy img').naturalWidth > 0")
        visitor.screenshot(name)
    page.goto("/ui/gallery")
    tiles = page.locator(".grid .tile img")
    tiles.first.wait_for()
    sources = [tiles.nth(index).get_attribute("src") for index in range(tiles.count())]
    assert sources and all("/media/processed/" in source for source in sources), sources
    assert "/media/thumbnails/" not in page.content()


def test_a_wrong_key_is_refused_and_a_right_one_logs_in(session_for, server):
    user = session_for()
    page = user.page
    page.goto("/ui/login")
    page.fill("#credential", "fp_" + "x" * 43)
    page.click("button[type=submit]")
    assert "not accepted" in page.inner_text(".error")
    cookie = [c for c in user.context.cookies() if c["name"] == "facepipe_session"]
    assert not cookie
    user.login("admin")
    cookie = [c for c in user.context.cookies() if c["name"] == "facepipe_session"][0]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert "admin" in page.inner_text(".who")


def test_uploads_by_file_picker_and_by_drop_show_progress_then_done(session_for, server):
    admin = session_for("admin")
    page = admin.page
    page.goto("/ui/upload")
    page.fill("#reportId", "r-ui-1")
    page.set_input_files("#files", str(PHOTOS / "obama.jpg"))
    drop_file(page, "#drop", PHOTOS / "biden.jpg")
    rows = page.locator("#upload-rows tr")
    rows.nth(1).wait_for()
    assert rows.count() == 2
    # Real progress bars, filled when the bytes are sent; then each file's live status.
    page.wait_for_function("() => [...document.querySelectorAll('#upload-rows progress')].every((bar) => bar.value === 1)")
    for index in range(2):
        rows.nth(index).locator(".status-done").wait_for(timeout=120_000)
    assert "1 face" in rows.nth(0).inner_text() and "1 face" in rows.nth(1).inner_text()
    # Following an upload polls its job, and reads the image (which, for an admin, hands out an
    # audited link to the original) once at the end, not once a second.
    # The upload answer's originalUrl (seed 000) is such a link too: two uploads, four entries.
    _, audit = server.api("/audit?action=original_viewed")
    assert len(audit["items"]) == 4, audit
    admin.screenshot("upload-desktop")
    # A refused file says why.
    page.set_input_files("#files", {"name": "notes.jpg", "mimeType": "image/jpeg", "buffer": b"not an image at all"})
    rows.nth(2).locator("text=Refused").wait_for()
    assert "unsupported_type" in rows.nth(2).inner_text()
    server.wait_for_idle_queue()


def test_the_queue_shows_the_jobs_and_refreshes_itself(session_for, server):
    admin = session_for("admin")
    page = admin.page
    page.goto("/ui/queue")
    assert page.locator("table.jobs tbody tr").count() >= 4  # process_image and embed_faces for each photo
    assert "process_image" in page.inner_text("table.jobs") and "embed_faces" in page.inner_text("table.jobs")
    done = int(page.inner_text(".counter.status-done .n"))
    # A new job appears without a reload.
    status, _ = server.api("/upload/images", "POST", body=multipart("t1.jpg", "r-ui-2"), content_type=MULTIPART)
    assert status == 200
    page.wait_for_function(f"() => Number(document.querySelector('.counter.status-done .n').textContent) > {done}", timeout=120_000)
    admin.screenshot("queue-desktop")
    server.wait_for_idle_queue()


def test_the_gallery_shows_thumbnails_and_filters(session_for, server):
    admin = session_for("admin")
    page = admin.page
    page.goto("/ui/gallery")
    images = page.locator(".grid img")
    assert images.count() >= 3
    page.wait_for_function("() => [...document.querySelectorAll('.grid img')].every((img) => img.complete && img.naturalWidth > 0)")
    admin.screenshot("gallery-desktop")
    page.fill("input[name=reportId]", "r-ui-2")
    with page.expect_navigation():
        page.click(".filters button")
    assert page.locator(".grid img").count() == 1
    phone = session_for("standard", PHONE)
    phone.page.goto("/ui/gallery")
    phone.screenshot("gallery-phone")


def test_the_detail_page_draws_faces_and_the_timeline(session_for, server):
    admin = session_for("admin")
    page = admin.page
    _, listing = server.api("/images?reportId=r-ui-2")
    image_id = listing["items"][0]["id"]
    page.goto(f"/ui/images/{image_id}")
    # t1.jpg: six faces; the whole picture is shown (not a square crop), every face outlined.
    assert "6 face(s) found." in page.inner_text("figcaption") and "square" not in page.inner_text("figcaption")
    assert page.locator("svg.boxes rect").count() == 6
    shown = page.evaluate("() => { const img = document.getElementById('detail-image'); return [img.naturalWidth, img.naturalHeight] }")
    assert shown[0] > shown[1], shown  # t1.jpg is landscape: not the square thumbnail
    timeline = page.inner_text("table.timeline")
    for step in ("image.uploaded", "job.started", "image.processed", "job.done"):
        assert step in timeline
    assert re.search(r"\d+ ms", timeline)
    assert page.locator("figcaption a", has_text="Original").count() == 1
    admin.screenshot("detail-desktop")
    standard = session_for("standard")
    standard.page.goto(f"/ui/images/{image_id}")
    assert standard.page.locator("figcaption a", has_text="Original").count() == 0
    # Readers follow the timeline too; its details (request ids, callers, errors) are admin-only.
    standard_timeline = standard.page.inner_text("table.timeline")
    assert "image.processed" in standard_timeline and "request" not in standard_timeline
    # Below gold the faces are blurred and not outlined.
    assert standard.page.locator("svg.boxes rect").count() == 0
    assert "blurred for your role" in standard.page.inner_text("figcaption")
    assert standard.page.locator("button:has-text('Erase')").count() == 0
    phone = session_for("admin", PHONE)
    phone.page.goto(f"/ui/images/{image_id}")
    phone.screenshot("detail-phone")


def test_an_admin_anonymizes_an_image_from_its_page(session_for, server):
    admin = session_for("admin")
    page = admin.page
    _, listing = server.api("/images?reportId=r-ui-2")
    image_id = listing["items"][0]["id"]
    page.goto(f"/ui/images/{image_id}")
    # The form starts from the service default (seed 002: solid boxes).
    assert page.input_value("select[name=replacewith]") == "solid"
    assert page.is_checked("input[name=boxes]")
    page.select_option("select[name=replacewith]", "mosaic")
    page.uncheck("input[name=boxes]")
    with page.expect_navigation():
        page.click("button:has-text('Anonymize')")
    assert "mosaic, ellipses" in page.inner_text("ul.variants")
    server.wait_for_idle_queue()
    page.reload()
    item = page.locator("ul.variants li", has_text="mosaic")
    assert "done" in item.inner_text() and "verified" in item.inner_text()
    href = item.locator("a").get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200 and response.headers["content-type"] == "image/jpeg"
    # Standard callers see the copies but not the form.
    standard = session_for("standard")
    standard.page.goto(f"/ui/images/{image_id}")
    assert standard.page.locator("select[name=replacewith]").count() == 0
    assert standard.page.locator("ul.variants li").count() >= 1


def test_a_duplicate_pair_is_confirmed_with_a_key_press(session_for, server):
    # A re-encoded copy of obama.jpg (decoded and saved again, nothing masked), as a new file.
    copy_path = server.work / "obama-copy.jpg"
    subprocess.run([str(ROOT / ".build/debug/facepipe"), "anonymize", str(PHOTOS / "obama.jpg"), "-o", str(copy_path),
                    "--replacewith", "none"], check=True, capture_output=True)
    copy = copy_path.read_bytes()
    assert copy != (PHOTOS / "obama.jpg").read_bytes()
    status, body = server.api("/upload/images", "POST", body=multipart("copy.jpg", "r-ui-3", copy), content_type=MULTIPART)
    assert status == 200, body
    server.wait_for_idle_queue()
    _, pending = server.api("/duplicates?status=pending")
    assert pending["items"], "no near-duplicate pair was found"
    admin = session_for("admin")
    page = admin.page
    page.goto("/ui/duplicates")
    assert page.locator(".pair img").count() == 2
    admin.screenshot("duplicates-desktop")
    # One pair per image pair; the page shows the most confident first.
    assert len({(item["image1Id"], item["image2Id"]) for item in pending["items"]}) == len(pending["items"])
    top = max(pending["items"], key=lambda item: (item["confidence"], item["id"]))
    shown = {top["id"]}
    assert "Confidence" in page.inner_text("main") and "pdq" in page.inner_text("table.distances")
    with page.expect_navigation():
        page.keyboard.press("c")
    _, confirmed = server.api("/duplicates?status=confirmed")
    # The pair shown is confirmed, by this admin; the next pair (none here) loads.
    assert {item["id"] for item in confirmed["items"]} == shown
    assert all(item["reviewedBy"].startswith("key:") for item in confirmed["items"])
    assert "Nothing to review" in page.inner_text("main")


def test_face_search_masks_names_for_standard_and_not_for_gold(session_for, server):
    admin = session_for("admin")
    page = admin.page
    page.goto("/ui/admin")
    page.fill("input[name=id]", "r-ui-1")
    page.select_option("select[name=status]", "approved")
    page.fill("input[name=perpetratorName]", "Barack Obama")
    with page.expect_navigation():
        page.click("form[action='/ui/admin/reports'] button[type=submit]")
    assert "approved" in page.inner_text("table")
    admin.screenshot("admin-desktop")
    for role, name in (("standard", "Baxxxk Obxxxa"), ("gold", "Barack Obama")):
        user = session_for(role)
        user.page.goto("/ui/search")
        user.page.set_input_files("#search-file", str(PHOTOS / "obama2.jpg"))
        user.page.locator("#search-results li").first.wait_for(timeout=60_000)
        first = user.page.locator("#search-results li").first.inner_text()
        assert name in first and "r-ui-1" in first, first
        if role == "standard":
            assert "/thumbnails/blurred/" in user.page.locator("#search-results img").first.get_attribute("src")
            user.screenshot("search-desktop")
    # Several faces: the user is told and sees them outlined.
    user = session_for("standard", PHONE)
    user.page.goto("/ui/search")
    user.page.set_input_files("#search-file", str(PHOTOS / "t1.jpg"))
    user.page.locator("text=This photo has 6 faces").wait_for(timeout=60_000)
    assert user.page.locator("#search-boxes rect").count() == 6
    user.screenshot("search-phone")
    # Every search is in the audit log.
    _, audit = server.api("/audit?action=face_search")
    assert len(audit["items"]) >= 3


def test_a_person_page_groups_faces_and_an_admin_corrects_it(session_for, server):
    # The re-encoded copy of obama.jpg (r-ui-3, above): the same person as obama.jpg (r-ui-1).
    _, listing = server.api("/images?reportId=r-ui-3")
    image_id = listing["items"][0]["id"]
    _, image = server.api(f"/images/{image_id}")
    person = image["faces"][0]["identityId"]
    admin = session_for("admin")
    page = admin.page
    page.goto(f"/ui/images/{image_id}")
    with page.expect_navigation():
        page.click("a.person")
    assert page.url.endswith(f"/ui/identities/{person}")
    faces = page.locator(".people li")
    count = faces.count()
    assert count >= 2, "obama.jpg and its re-encoded copy (r-ui-3) are one person"
    main = page.inner_text("main")
    assert "r-ui-1" in main and "r-ui-3" in main
    # Each tile is that person's own face (its crop), not the picture's middle.
    tiles = [faces.nth(index).locator("img").get_attribute("src") for index in range(count)]
    assert all("/media/faces/" in tile for tile in tiles), tiles
    page.wait_for_function("() => [...document.querySelectorAll('.people img')].every((img) => img.naturalWidth > 0)")
    admin.screenshot("person-desktop")
    # Below admin: approved reports only (r-ui-1 was approved above), no corrections.
    standard = session_for("standard")
    standard.page.goto(f"/ui/identities/{person}")
    seen = standard.page.inner_text("main")
    assert "r-ui-1" in seen and "r-ui-3" not in seen
    # Below gold no face crop: the image's tile with the faces blurred.
    assert "/media/faces/" not in standard.page.content()
    assert standard.page.locator("#split-form, #merge-form").count() == 0
    # The admin splits the copy's face off: a new person, pinned there...
    page.locator(f".people li:has(a[href='/ui/images/{image_id}']) input[type=checkbox]").check()
    with page.expect_navigation():
        page.click("#split-form button[type=submit]")
    split = page.url.rsplit("/", 1)[1]
    assert split != person and page.locator(".people li").count() == 1
    assert "pinned" in page.inner_text(".people")
    # ...then merges it back from the first person's page.
    page.goto(f"/ui/identities/{person}")
    assert page.locator(".people li").count() == count - 1
    page.fill("#merge-form input[name=identity]", split)
    with page.expect_navigation():
        page.click("#merge-form button[type=submit]")
    assert page.locator(".people li").count() == count
    _, audit = server.api("/audit?action=identity_corrected")
    assert len(audit["items"]) == 2


def one_page_pdf():
    """A small valid PDF: one A5 page with a filled rectangle and a line of text."""
    content = b"0.2 0.4 0.8 rg 40 300 200 120 re f BT /F1 24 Tf 40 250 Td (Evidence page) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 595] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    pdf, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return pdf


def upload_document(server, report, name, data, mime):
    boundary = "facepipe-ui-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"reportId\"\r\n\r\n{report}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
            f"Content-Type: {mime}\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return server.api("/upload/documents", "POST", body=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_a_report_page_shows_its_evidence_links_and_documents(session_for, server):
    status, body = upload_document(server, "r-ui-1", "statement.pdf", one_page_pdf(), "application/pdf")
    assert status == 200, body
    server.wait_for_idle_queue()
    admin = session_for("admin")
    page = admin.page
    page.goto("/ui/admin")
    page.click("a[href='/ui/reports/r-ui-1']")
    page.wait_for_url("**/ui/reports/r-ui-1")
    assert "r-ui-1" in page.inner_text("h1") and "approved" in page.inner_text("h1")
    assert page.locator("ul[aria-label='Evidence images'] img").count() >= 2
    assert page.locator("h2", has_text="Linked reports").count() == 1
    # An admin names the perpetrator from the report page and comes back to it.
    page.fill("input[name=perpetratorName]", "Vladimir Gza")
    with page.expect_navigation():
        page.click("form.row button[type=submit]")
    assert page.url.endswith("/ui/reports/r-ui-1") and "Vladimir Gza" in page.inner_text("section.card")
    admin.screenshot("report-desktop")
    # Below gold the name is masked and there is nothing to change.
    standard = session_for("standard", PHONE)
    standard.page.goto("/ui/reports/r-ui-1")
    assert "Vlxxxr Gxa" in standard.page.inner_text("section.card") and standard.page.locator("form.row").count() == 0
    standard.screenshot("report-phone")
    standard.page.click("ul.docs a")
    standard.page.wait_for_url("**/ui/documents/*")
    standard.page.wait_for_function("() => document.querySelector('ol.pages img') && document.querySelector('ol.pages img').naturalWidth > 0")
    assert standard.page.locator("text=Original").count() == 0  # originals are for admins
    standard.screenshot("document-phone")
    # The document, page by page.
    page.click("ul.docs a")
    page.wait_for_url("**/ui/documents/*")
    assert "1 page(s)" in page.inner_text("main")
    picture = page.locator("ol.pages img").first
    picture.wait_for()
    page.wait_for_function("() => document.querySelector('ol.pages img').naturalWidth > 0")
    admin.screenshot("document-desktop")
    page.click("ol.pages a")
    page.wait_for_url("**/ui/images/*")
    assert "page 1 of document" in page.inner_text("dl")


def test_forms_without_the_csrf_token_are_refused(session_for, server):
    admin = session_for("admin")
    page = admin.page
    page.goto("/ui/admin")
    before = len(server.api("/admin/keys")[1]["items"])
    # The session cookie alone (what a forged cross-site form would carry) is not enough.
    response = page.request.post(server.base + "/ui/admin/keys", form={"name": "forged", "role": "admin"})
    assert response.status == 403
    response = page.request.post(server.base + "/reports/r-ui-1", headers={"Content-Type": "application/json"}, data='{"status":"rejected"}')
    assert response.status in (403, 405)
    response = page.request.put(server.base + "/reports/r-ui-1", headers={"Content-Type": "application/json"}, data='{"status":"rejected"}')
    assert response.status == 403
    assert len(server.api("/admin/keys")[1]["items"]) == before
    # With the page's token the same form works, and the key is shown once.
    page.fill("form[action='/ui/admin/keys'] input[name=name]", "made in the browser")
    with page.expect_navigation():
        page.click("form[action='/ui/admin/keys'] button[type=submit]")
    assert page.inner_text("#new-key").startswith("fp_")
    page.goto("/ui/admin")
    assert page.locator("#new-key").count() == 0


def test_every_page_is_free_of_script_errors(session_for, server):
    admin = session_for("admin")
    for path in ("/ui/gallery", "/ui/upload", "/ui/queue", "/ui/duplicates", "/ui/search", "/ui/admin"):
        admin.page.goto(path)
        assert admin.page.locator("main h1").count() == 1, path
    assert not admin.console_errors, admin.console_errors
    phone = session_for("admin", PHONE)
    for name, path in (("upload-phone", "/ui/upload"), ("queue-phone", "/ui/queue"), ("admin-phone", "/ui/admin")):
        phone.page.goto(path)
        phone.screenshot(name)
    sizes = {}
    for path in ("/ui/gallery", "/ui/images/" + server.api("/images?limit=1")[1]["items"][0]["id"], "/ui/assets/app.css", "/ui/assets/app.js"):
        request = urllib.request.Request(server.base + path)
        request.add_header("Authorization", f"Bearer {server.keys['admin']}")
        with urllib.request.urlopen(request) as response:
            sizes[path] = len(response.read())
    print("bytes per resource:", json.dumps(sizes))


MULTIPART = "multipart/form-data; boundary=facepipe-ui-test"


def multipart(name, report, data=None, mime="image/jpeg"):
    data = data if data is not None else (PHOTOS / name).read_bytes()
    return (f"--facepipe-ui-test\r\nContent-Disposition: form-data; name=\"reportId\"\r\n\r\n{report}\r\n"
            f"--facepipe-ui-test\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\n"
            ).encode() + data + b"\r\n--facepipe-ui-test--\r\n"
