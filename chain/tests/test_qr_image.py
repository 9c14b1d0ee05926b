"""The QR image itself: every link encodes, and what a scanner reads back pays the code."""

from __future__ import annotations

import base64
import io
from decimal import Decimal

import pytest
import zxingcpp
from PIL import Image

from chain.qr import qr_png_data_uri
from ledger.selectors import account_for_user

pytestmark = pytest.mark.django_db
GENERATE, VERIFY = "/api/blockchain/generate-qr", "/api/blockchain/verify-qr"


def scan(data_uri: str) -> str:
    """Decode the PNG the API returned, as a payer's camera would."""
    assert data_uri.startswith("data:image/png;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(data_uri.split(",", 1)[1]))).convert("L")
    # `is_pure`: the PNG is a generated code, not a photo. Without it zxing-cpp's multi-symbol
    # search reports a phantom second symbol in ~0.2% of version-10 codes (7 of 3,000 random
    # links), while the one real symbol decodes every time.
    found = zxingcpp.read_barcodes(image, is_pure=True)
    assert len(found) == 1, "exactly one QR code in the image"
    return found[0].text


@pytest.mark.parametrize(
    "text",
    [
        # Long digit runs: qrcode's segment optimiser packed these into all-zero data blocks and
        # its Reed-Solomon step raised ValueError: glog(0).
        "0" * 146,
        "0" * 210,
        "upi://pay?pa=alice%40securebank&pn=" + "0" * 120 + "&cu=INR",
        "upi://pay?pa=alice%40securebank&pn=Alice+Rao&cu=INR&sbqr=" + "A" * 300,
        "x",
    ],
)
def test_every_payload_encodes_and_scans_back(text):
    assert scan(qr_png_data_uri(text)) == text


@pytest.mark.parametrize("full_name", ["Alice Rao", "0" * 120, "0" * 150, "१२३ ₹ Ünïcode"])
def test_open_amount_code_generates_scans_and_pays(auth_client, user_factory, full_name):
    payee = user_factory("alice", full_name=full_name)
    payer = user_factory("bob", full_name="Bob Das")
    issued = auth_client(payee).post(GENERATE, {}, format="json")  # `{}`: an open-amount code
    assert issued.status_code == 201, issued.json()
    code = issued.json()
    assert code["amount"] is None

    scanned = scan(code["qr_code_image"])
    assert scanned == code["upi_link"]

    client = auth_client(payer)
    preview = client.post(VERIFY, {"qr_data": scanned}, format="json")
    assert preview.status_code == 200, preview.json()
    assert preview.json()["open_amount"] is True and preview.json()["payee"]["vpa"] == "alice@securebank"

    before = account_for_user(user=payee).balance
    paid = client.post(VERIFY, {"qr_data": scanned, "amount": "42.50", "confirm": True}, format="json",
                       HTTP_IDEMPOTENCY_KEY="scan-pay-1")
    assert paid.status_code == 201, paid.json()
    assert paid.json()["transaction"]["amount"] == "42.50"
    assert account_for_user(user=payee).balance == before + Decimal("42.50")
