package io.sluice.quickstart.stack;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/** Local, unauthenticated JMX on 127.0.0.1 for the child processes, read by the live view. */
public final class Jmx implements AutoCloseable {
    private final JMXConnector connector;
    private final MBeanServerConnection mbeans;

    private Jmx(JMXConnector connector) throws IOException {
        this.connector = connector;
        this.mbeans = connector.getMBeanServerConnection();
    }

    /** JVM options that open JMX on {@code port}, bound to loopback only. */
    public static List<String> options(int port, List<String> others) {
        List<String> o = new ArrayList<>(others);
        if (port > 0) {
            o.add("-Dcom.sun.management.jmxremote.port=" + port);
            o.add("-Dcom.sun.management.jmxremote.rmi.port=" + port);
            o.add("-Dcom.sun.management.jmxremote.host=127.0.0.1");
            o.add("-Djava.rmi.server.hostname=127.0.0.1");
            o.add("-Dcom.sun.management.jmxremote.authenticate=false");
            o.add("-Dcom.sun.management.jmxremote.ssl=false");
            o.add("-Dcom.sun.management.jmxremote.local.only=true");
        }
        return o;
    }

    public static Jmx connect(int port) throws IOException {
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi");
        return new Jmx(JMXConnectorFactory.connect(url));
    }

    public Set<ObjectName> names(String pattern) throws IOException {
        try {
            return mbeans.queryNames(new ObjectName(pattern), null);
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalArgumentException(pattern, e);
        }
    }

    /** Names of the attributes of an MBean (empty if it is gone). */
    public java.util.List<String> attributeNames(ObjectName name) {
        try {
            return java.util.Arrays.stream(mbeans.getMBeanInfo(name).getAttributes()).map(a -> a.getName()).toList();
        } catch (Exception e) {
            return java.util.List.of();
        }
    }

    /** An attribute as a double (booleans as 0/1), or NaN if it is missing or not a number. */
    public double number(ObjectName name, String attribute) {
        try {
            Object v = mbeans.getAttribute(name, attribute);
            if (v instanceof Boolean b) {
                return b ? 1 : 0;
            }
            return v instanceof Number n ? n.doubleValue() : Double.NaN;
        } catch (Exception e) {
            return Double.NaN;
        }
    }

    /** A number inside a composite attribute (e.g. {@code HeapMemoryUsage.used}), or NaN. */
    public double compositeNumber(ObjectName name, String attribute, String key) {
        try {
            Object v = mbeans.getAttribute(name, attribute);
            if (v instanceof javax.management.openmbean.CompositeData c && c.get(key) instanceof Number n) {
                return n.doubleValue();
            }
            return Double.NaN;
        } catch (Exception e) {
            return Double.NaN;
        }
    }

    @Override
    public void close() throws IOException {
        connector.close();
    }
}
