"""An independent implementation of what the tests need of FLE1 (docs/format.md): local key
wrapping and value encryption, written from the published construction with python3-cryptography.
Used to make thousands of keys and ciphertexts quickly, and as a second opinion on the format.
"""
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def aead_encrypt(key96, plaintext, ad=b"", iv=None):
    al = struct.pack(">Q", len(ad) * 8)
    if iv is None:
        iv = os.urandom(16)
    pad = 16 - len(plaintext) % 16
    enc = Cipher(algorithms.AES(key96[32:64]), modes.CBC(iv)).encryptor()
    s = enc.update(plaintext + bytes([pad]) * pad) + enc.finalize()
    return iv + s + hmac.new(key96[0:32], ad + iv + s + al, hashlib.sha512).digest()[:32]


def wrap_local(master_key, dek):
    """keyMaterial of `dek` under a local master key: random IV, no associated data."""
    return aead_encrypt(master_key, dek)


def encrypt_string(dek, key_id, text, deterministic=True):
    """The subtype-6 blob of a BSON string."""
    raw = text.encode()
    plaintext = struct.pack("<i", len(raw) + 1) + raw + b"\x00"
    ad = bytes([1 if deterministic else 2]) + key_id + b"\x02"
    iv = None
    if deterministic:
        al = struct.pack(">Q", len(ad) * 8)
        iv = hmac.new(dek[64:96], ad + al + plaintext, hashlib.sha512).digest()[:16]
    return ad + aead_encrypt(dek, plaintext, ad, iv)
