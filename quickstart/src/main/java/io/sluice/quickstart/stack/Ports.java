package io.sluice.quickstart.stack;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

/** Port checks for the local stack: free before start, open once up, free again after stop. */
public final class Ports {
    private Ports() {
    }

    public static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public static boolean isOpen(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Throws a message naming the port and what wanted it, if it is taken. */
    public static void requireFree(int port, String what) {
        if (!isFree(port)) {
            throw new StackException("port " + port + " (" + what + ") is already in use on 127.0.0.1: stop whatever "
                    + "holds it (`ss -ltnp 'sport = :" + port + "'` shows it) or choose other ports");
        }
    }

    /** Waits until {@code port} accepts connections or {@code process} dies. */
    public static void awaitOpen(int port, JavaProcess process, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new StackException(process.name() + " exited before opening port " + port + "; last lines of "
                        + process.logFile() + ":\n" + process.tail(20));
            }
            if (isOpen(port)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new StackException(process.name() + " did not open port " + port + " within " + timeout.toSeconds()
                + " s; last lines of " + process.logFile() + ":\n" + process.tail(20));
    }
}
