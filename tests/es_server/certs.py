"""The test CA and server certificate (openssl CLI), their fingerprint and the TLS context.

Like ES 8's auto-configuration: an ``http_ca.crt`` in the work dir and a chain (server cert,
then the CA) that clients pinning the CA's SHA-256 find in the handshake. Tests patch
``_OPENSSL_CNF`` to make hostile certificates (wrong SAN, no serverAuth ...).
"""
from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import ssl
import subprocess
from typing import Tuple

from .common import EsServerError

_OPENSSL_CNF = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = localhost
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_srv]
basicConstraints = critical,CA:FALSE
keyUsage = critical,{ku}
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1,IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
"""


def _generate_certs(workdir: str, key_type: str = "ec") -> Tuple[str, str, str]:
    """CA + server cert for localhost/127.0.0.1 in `workdir`: (ca_path, chain_path, key_path).

    The chain file holds the server cert followed by the CA, like ES's http.p12: clients that
    pin the CA's fingerprint (ssl_assert_fingerprint) find it in the presented chain.
    """
    openssl = shutil.which("openssl")
    if not openssl:
        raise EsServerError("the openssl CLI is needed to generate the test CA (apt-get install openssl)")
    if key_type == "ec":
        newkey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        ku = "digitalSignature"
    elif key_type == "rsa":
        newkey = ["-newkey", "rsa:2048"]
        ku = "digitalSignature,keyEncipherment"
    else:
        raise ValueError("key_type must be 'ec' or 'rsa'")
    certs = os.path.join(workdir, "certs")
    os.makedirs(certs, exist_ok=True)
    cnf = os.path.join(certs, "openssl.cnf")
    with open(cnf, "w") as f:
        f.write(_OPENSSL_CNF.format(ku=ku))
    ca_key = os.path.join(certs, "http_ca.key")
    ca_crt = os.path.join(workdir, "http_ca.crt")
    key = os.path.join(certs, "http.key")
    csr = os.path.join(certs, "http.csr")
    crt = os.path.join(certs, "http.crt")
    chain = os.path.join(certs, "http_chain.pem")
    env = dict(os.environ, OPENSSL_CONF=cnf)
    serial = "0x" + secrets.token_hex(16)
    cmds = [
        [openssl, "req", "-x509", "-new", "-config", cnf, "-extensions", "v3_ca", *newkey,
         "-nodes", "-keyout", ca_key, "-out", ca_crt, "-days", "3650", "-sha256",
         "-set_serial", "0x" + secrets.token_hex(16),
         "-subj", "/CN=Elasticsearch security auto-configuration HTTP CA"],
        [openssl, "req", "-new", "-config", cnf, *newkey, "-nodes", "-keyout", key,
         "-out", csr, "-subj", "/CN=localhost"],
        [openssl, "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key,
         "-set_serial", serial, "-days", "3650", "-sha256", "-extfile", cnf,
         "-extensions", "v3_srv", "-out", crt],
    ]
    for cmd in cmds:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        if p.returncode != 0:
            raise EsServerError(f"{' '.join(cmd[:3])} failed: {p.stderr.decode(errors='replace')}")
    with open(chain, "w") as out:
        for part in (crt, ca_crt):
            with open(part) as f:
                out.write(f.read())
    for p in (ca_key, key):
        os.chmod(p, 0o600)
    return ca_crt, chain, key


def _pem_fingerprint(pem_path: str) -> str:
    with open(pem_path) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    return hashlib.sha256(der).hexdigest()


def tls_context(chain_path: str, key_path: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(chain_path, key_path)
    try:
        ctx.set_alpn_protocols(["http/1.1"])
    except NotImplementedError:
        pass
    return ctx
