package io.sluice.testkit;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Throw-away certificates for TLS tests, written as PEM files: a CA, a server certificate for
 * {@code localhost}/{@code 127.0.0.1}, client certificates with a chosen CN, an expired client
 * certificate and a certificate from a CA nobody trusts.
 */
public final class TestPki {
    private final Path dir;
    private final X509Bundle ca;
    private final X509Bundle otherCa;

    private TestPki(Path dir) throws Exception {
        this.dir = dir;
        Instant now = Instant.now();
        this.ca = new CertificateBuilder().subject("CN=Sluice Test CA").setIsCertificateAuthority(true).ecp256()
                .notBefore(now.minus(1, ChronoUnit.DAYS)).notAfter(now.plus(30, ChronoUnit.DAYS)).buildSelfSigned();
        this.otherCa = new CertificateBuilder().subject("CN=Untrusted CA").setIsCertificateAuthority(true).ecp256()
                .notBefore(now.minus(1, ChronoUnit.DAYS)).notAfter(now.plus(30, ChronoUnit.DAYS)).buildSelfSigned();
        write("ca.pem", ca.getCertificatePEM());
    }

    /** Creates a CA in {@code dir} (its certificate at {@link #caCertificate()}). */
    public static TestPki create(Path dir) {
        try {
            Files.createDirectories(dir);
            return new TestPki(dir);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create test certificates", e);
        }
    }

    public Path caCertificate() {
        return dir.resolve("ca.pem");
    }

    /** PEM certificate chain and PKCS#8 key of an issued certificate. */
    public record KeyPair(Path certificateChain, Path privateKey) {
    }

    public KeyPair server(String name) {
        return issue(name, ca, b -> b.addSanDnsName("localhost").addSanIpAddress("127.0.0.1").addExtendedKeyUsageServerAuth(),
                Instant.now().plus(30, ChronoUnit.DAYS));
    }

    public KeyPair client(String commonName) {
        return issue(commonName, ca, CertificateBuilder::addExtendedKeyUsageClientAuth, Instant.now().plus(30, ChronoUnit.DAYS));
    }

    /** A client certificate that expired yesterday. */
    public KeyPair expiredClient(String commonName) {
        return issue(commonName + "-expired", ca, CertificateBuilder::addExtendedKeyUsageClientAuth,
                Instant.now().minus(1, ChronoUnit.DAYS));
    }

    /** A client certificate issued by a CA the servers do not trust. */
    public KeyPair untrustedClient(String commonName) {
        return issue(commonName + "-untrusted", otherCa, CertificateBuilder::addExtendedKeyUsageClientAuth,
                Instant.now().plus(30, ChronoUnit.DAYS));
    }

    private interface Extra {
        CertificateBuilder apply(CertificateBuilder b);
    }

    private KeyPair issue(String name, X509Bundle issuer, Extra extra, Instant notAfter) {
        try {
            Instant notBefore = notAfter.isBefore(Instant.now()) ? notAfter.minus(10, ChronoUnit.DAYS)
                    : Instant.now().minus(1, ChronoUnit.HOURS);
            CertificateBuilder b = new CertificateBuilder().subject("CN=" + name).ecp256()
                    .notBefore(notBefore).notAfter(notAfter);
            X509Bundle cert = extra.apply(b).buildIssuedBy(issuer);
            String file = name.replaceAll("[^A-Za-z0-9._-]", "_");
            return new KeyPair(write(file + ".crt.pem", cert.getCertificatePathPEM()),
                    write(file + ".key.pem", cert.getPrivateKeyPEM()));
        } catch (Exception e) {
            throw new IllegalStateException("cannot issue a test certificate for " + name, e);
        }
    }

    private Path write(String name, String pem) throws IOException {
        Path p = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(p)) {
            out.write(pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        return p;
    }
}
