package io.sluice.protocol.tls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * Where the key material for TLS lives, as PEM files or key stores, and how strict to be.
 * One class for every side (source, sink, devices, peers) so TLS is configured the same way
 * everywhere. Builds Netty {@link SslContext}s.
 *
 * @param certificateChain PEM certificate chain of this side, or null
 * @param privateKey       PEM (PKCS#8) private key of this side, or null
 * @param keyPassword      password of the private key or key store, or null
 * @param keyStore         PKCS12/JKS key store of this side (instead of PEM), or null
 * @param keyStoreType     {@code PKCS12} or {@code JKS}
 * @param trustCertificates PEM certificates to trust (the CA), or null for the JDK's defaults
 * @param trustStore       PKCS12/JKS trust store (instead of PEM), or null
 * @param trustStorePassword password of the trust store, or null
 * @param clientAuth       servers only: whether to ask for client certificates (mTLS)
 * @param verifyHostname   clients only: check the server certificate names the host dialled
 */
public record TlsSettings(Path certificateChain, Path privateKey, String keyPassword, Path keyStore, String keyStoreType,
        Path trustCertificates, Path trustStore, String trustStorePassword, ClientAuth clientAuth, boolean verifyHostname) {

    public TlsSettings {
        keyStoreType = keyStoreType == null || keyStoreType.isBlank() ? "PKCS12" : keyStoreType;
        clientAuth = clientAuth == null ? ClientAuth.NONE : clientAuth;
    }

    /** PEM files. */
    public static TlsSettings pem(Path certificateChain, Path privateKey, Path trustCertificates) {
        return new TlsSettings(certificateChain, privateKey, null, null, null, trustCertificates, null, null,
                ClientAuth.NONE, true);
    }

    public TlsSettings withClientAuth(ClientAuth auth) {
        return new TlsSettings(certificateChain, privateKey, keyPassword, keyStore, keyStoreType, trustCertificates,
                trustStore, trustStorePassword, auth, verifyHostname);
    }

    public TlsSettings withVerifyHostname(boolean verify) {
        return new TlsSettings(certificateChain, privateKey, keyPassword, keyStore, keyStoreType, trustCertificates,
                trustStore, trustStorePassword, clientAuth, verify);
    }

    public boolean hasOwnKey() {
        return (certificateChain != null && privateKey != null) || keyStore != null;
    }

    /** A server context; a key is required. */
    public SslContext serverContext() throws SSLException {
        if (!hasOwnKey()) {
            throw new SSLException("a TLS server needs a certificate chain and private key (PEM) or a key store");
        }
        SslContextBuilder b = keyStore != null
                ? SslContextBuilder.forServer(keyManagers())
                : SslContextBuilder.forServer(certificateChain.toFile(), privateKey.toFile(), keyPassword);
        trust(b);
        return b.clientAuth(clientAuth).build();
    }

    /** A client context; the key is optional (needed for mTLS). */
    public SslContext clientContext() throws SSLException {
        SslContextBuilder b = SslContextBuilder.forClient();
        if (keyStore != null) {
            b.keyManager(keyManagers());
        } else if (certificateChain != null && privateKey != null) {
            b.keyManager(certificateChain.toFile(), privateKey.toFile(), keyPassword);
        }
        trust(b);
        if (verifyHostname) {
            b.endpointIdentificationAlgorithm("HTTPS");
        } else {
            b.endpointIdentificationAlgorithm(null);
        }
        return b.build();
    }

    private void trust(SslContextBuilder b) throws SSLException {
        if (trustStore != null) {
            try {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(load(trustStore, trustStorePassword));
                b.trustManager(tmf);
            } catch (GeneralSecurityException e) {
                throw new SSLException("cannot use trust store " + trustStore + ": " + e.getMessage(), e);
            }
        } else if (trustCertificates != null) {
            b.trustManager(trustCertificates.toFile());
        }
    }

    private KeyManagerFactory keyManagers() throws SSLException {
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(load(keyStore, keyPassword), keyPassword == null ? new char[0] : keyPassword.toCharArray());
            return kmf;
        } catch (GeneralSecurityException e) {
            throw new SSLException("cannot use key store " + keyStore + ": " + e.getMessage(), e);
        }
    }

    private KeyStore load(Path path, String password) throws SSLException {
        try (InputStream in = Files.newInputStream(path)) {
            KeyStore ks = KeyStore.getInstance(keyStoreType);
            ks.load(in, password == null ? null : password.toCharArray());
            return ks;
        } catch (IOException | GeneralSecurityException e) {
            throw new SSLException("cannot read " + keyStoreType + " store " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "TlsSettings[certificateChain=" + certificateChain + ", privateKey=" + privateKey + ", keyStore=" + keyStore
                + ", trustCertificates=" + trustCertificates + ", trustStore=" + trustStore + ", clientAuth=" + clientAuth
                + ", verifyHostname=" + verifyHostname + "]";
    }
}
