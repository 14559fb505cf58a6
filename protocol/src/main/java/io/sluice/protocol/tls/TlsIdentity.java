package io.sluice.protocol.tls;

import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/** The names a verified client certificate gives its holder: the subject CN and the DNS/URI SANs. */
public final class TlsIdentity {
    private TlsIdentity() {
    }

    /** Every name of the peer's leaf certificate, CN first; empty if the peer sent no certificate. */
    public static List<String> names(SSLSession session) {
        List<String> names = new ArrayList<>();
        try {
            Certificate[] chain = session.getPeerCertificates();
            if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
                return names;
            }
            String cn = commonName(leaf);
            if (cn != null) {
                names.add(cn);
            }
            Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    Object type = san.get(0);
                    // 2 = dNSName, 6 = uniformResourceIdentifier
                    if ((Integer.valueOf(2).equals(type) || Integer.valueOf(6).equals(type)) && san.get(1) instanceof String s) {
                        names.add(s);
                    }
                }
            }
        } catch (SSLPeerUnverifiedException | CertificateParsingException e) {
            return names;
        }
        return names;
    }

    static String commonName(X509Certificate cert) {
        try {
            LdapName dn = new LdapName(cert.getSubjectX500Principal().getName());
            for (Rdn rdn : dn.getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return String.valueOf(rdn.getValue());
                }
            }
        } catch (InvalidNameException e) {
            return null;
        }
        return null;
    }
}
