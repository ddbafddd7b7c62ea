#!/usr/bin/python3
"""Writes the fuzzers' seed corpora (fuzz/corpus/<target>/). Run with Debian's /usr/bin/python3
(python3-cryptography, python3-bson from python3-pymongo). The FLE1 ciphertexts are computed here
from the published construction (docs/format.md) with the fuzzers' fixed key, bytes 0..95, so
the seeds reach the code after the tag check.
"""
import hashlib
import hmac
import os
import struct
import uuid

import bson
from bson.binary import Binary
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

HERE = os.path.dirname(os.path.abspath(__file__))
KEY = bytes(range(96))


def fle1(subtype, key_id, bson_type, plaintext, iv=None):
    ad = bytes([subtype]) + key_id + bytes([bson_type])
    al = struct.pack(">Q", len(ad) * 8)
    if iv is None:
        iv = hmac.new(KEY[64:96], ad + al + plaintext, hashlib.sha512).digest()[:16]
    pad = 16 - len(plaintext) % 16
    enc = Cipher(algorithms.AES(KEY[32:64]), modes.CBC(iv)).encryptor()
    s = enc.update(plaintext + bytes([pad]) * pad) + enc.finalize()
    tag = hmac.new(KEY[0:32], ad + iv + s + al, hashlib.sha512).digest()[:32]
    return ad + iv + s + tag


def value_bytes(value):
    # The raw value bytes: encode {"": value} and strip the length, type, empty key and terminator.
    doc = bson.encode({"": value})
    return doc[6:-1], doc[4]


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    kid = uuid.UUID("00112233-4455-4677-8899-aabbccddeeff").bytes
    for i, v in enumerate(["hello", 42, {"a": [1, 2]}, "x" * 40]):
        raw, t = value_bytes(v)
        blob = fle1(1 if isinstance(v, (str, int)) else 2, kid, t, raw, None if isinstance(v, (str, int)) else os.urandom(16))
        write("ciphertext_fuzz", f"blob{i}", blob)
        write("ciphertext_fuzz", f"doc{i}", bson.encode({"f": Binary(blob, 6), "n": {"g": [Binary(blob, 6)]}}))
    key_doc = {
        "_id": Binary(kid, 4), "keyAltNames": ["seed"], "keyMaterial": Binary(os.urandom(160), 0),
        "creationDate": bson.datetime.datetime(2024, 1, 1), "updateDate": bson.datetime.datetime(2024, 1, 1),
        "status": 0, "masterKey": {"provider": "local"},
    }
    write("key_document_fuzz", "local", bson.encode(key_doc))
    write("key_document_fuzz", "aws", bson.encode(dict(key_doc, masterKey={
        "provider": "aws", "region": "us-east-1", "key": "arn:aws:kms:us-east-1:1:key/k"})))
    write("key_document_fuzz", "filter", bson.encode({"$or": [{"_id": {"$in": [Binary(kid, 4)]}},
                                                              {"keyAltNames": {"$in": ["seed"]}}]}))
    write("ejson_input_fuzz", "doc", b'{"name": "Ada", "ssn": "123-45-6789", "n": {"$numberLong": "7"}}')
    write("ejson_input_fuzz", "nested", b'{"a": {"b": [1, {"c": {"$date": "2024-01-02T03:04:05Z"}}]}, "d": 1.5}')
    write("ejson_input_fuzz", "binary", b'{"x": {"$binary": {"base64": "AQID", "subType": "06"}}, "y": null}')
    query_analysis_seeds()


def query_analysis_seeds():
    # Byte 0 picks the entry point (query_analysis_fuzz.cc): 0 schema, 1 command, 2 mongocryptd, 3 placeholder.
    kid = Binary(bytes(15) + b"\x01", 4)
    det = "AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic"
    schema = {"bsonType": "object", "properties": {
        "d": {"encrypt": {"bsonType": "string", "algorithm": det, "keyId": [kid]}},
        "o": {"bsonType": "object", "encryptMetadata": {"keyId": [kid]},
              "properties": {"r": {"encrypt": {"algorithm": det.replace("Deterministic", "Random")}}}}},
        "patternProperties": {"^s": {"encrypt": {"algorithm": det.replace("Deterministic", "Random"), "keyId": "/k"}}}}
    seeds = {
        "schema": (0, schema),
        "insert": (1, {"insert": "coll", "documents": [{"d": "x", "o": {"i": 1}, "r": [1], "k": "n", "p": "v", "s1": 2}]}),
        "find": (1, {"find": "coll", "filter": {"$or": [{"d": {"$in": ["a"]}}, {"o": {"i": 3}}, {"d": {"$ne": "b"}}]},
                     "projection": {"x": {"$eq": ["$d", "c"]}}}),
        "update": (1, {"update": "coll", "updates": [{"q": {"d": "a"}, "u": {"$set": {"o": {"i": 1}}, "$rename": {"a": "b"}},
                                                      "upsert": True}]}),
        "aggregate": (1, {"aggregate": "coll", "pipeline": [{"$match": {"d": "a"}}, {"$project": {"d": 1, "x": "$o.i"}},
                                                            {"$group": {"_id": "$d", "n": {"$sum": 1}}}], "cursor": {}}),
        "explain": (1, {"explain": {"count": "coll", "query": {"d": "a"}}, "verbosity": "queryPlanner"}),
        "mongocryptd": (2, {"find": "coll", "filter": {"d": "a"}, "jsonSchema": schema, "isRemoteSchema": False}),
    }
    for name, (mode, document) in seeds.items():
        write("query_analysis_fuzz", name, bytes([mode]) + bson.encode(document))
    placeholder = bson.encode({"a": 1, "ki": kid, "v": "value"})
    write("query_analysis_fuzz", "placeholder", bytes([3, 0]) + placeholder)


if __name__ == "__main__":
    main()
