package io.sluice.protocol.file;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * SHA-256 (FIPS 180-4) whose running state can be saved and restored: the source connector
 * hashes a file as its chunks arrive and keeps the state in Connect's source offsets, so a
 * transfer resumed by another task (or after a restart) is still verified whole without the
 * device sending a committed chunk again. {@link java.security.MessageDigest} cannot export
 * its state, hence this small implementation; it is tested against the JDK's.
 *
 * <p>Not thread-safe.
 */
public final class ResumableSha256 {
    private static final int[] K = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    };
    private static final int[] INITIAL = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    };
    /** Saved state: version byte, 8 words, byte count, buffered bytes count, buffered bytes. */
    private static final byte STATE_VERSION = 1;

    private final int[] h = INITIAL.clone();
    private final byte[] buffer = new byte[64];
    private final int[] w = new int[64];
    private int buffered;
    private long length;

    /** Bytes hashed so far. */
    public long length() {
        return length;
    }

    public ResumableSha256 update(byte[] data) {
        return update(data, 0, data.length);
    }

    public ResumableSha256 update(byte[] data, int offset, int len) {
        if (offset < 0 || len < 0 || offset + len > data.length) {
            throw new IndexOutOfBoundsException("offset " + offset + ", length " + len + " of " + data.length);
        }
        length += len;
        if (buffered > 0) {
            int n = Math.min(64 - buffered, len);
            System.arraycopy(data, offset, buffer, buffered, n);
            buffered += n;
            offset += n;
            len -= n;
            if (buffered < 64) {
                return this;
            }
            compress(buffer, 0);
            buffered = 0;
        }
        while (len >= 64) {
            compress(data, offset);
            offset += 64;
            len -= 64;
        }
        if (len > 0) {
            System.arraycopy(data, offset, buffer, 0, len);
            buffered = len;
        }
        return this;
    }

    /** The digest of everything hashed so far; the state is left as it was (more may follow). */
    public byte[] digest() {
        int[] hh = h.clone();
        byte[] tail = new byte[buffered < 56 ? 64 : 128];
        System.arraycopy(buffer, 0, tail, 0, buffered);
        tail[buffered] = (byte) 0x80;
        long bits = length * 8;
        for (int i = 0; i < 8; i++) {
            tail[tail.length - 1 - i] = (byte) (bits >>> (8 * i));
        }
        for (int off = 0; off < tail.length; off += 64) {
            compress(hh, tail, off, w);
        }
        ByteBuffer out = ByteBuffer.allocate(32);
        for (int v : hh) {
            out.putInt(v);
        }
        return out.array();
    }

    /** The running state, to {@link #restore} later (at most 106 bytes). */
    public byte[] state() {
        ByteBuffer b = ByteBuffer.allocate(1 + 32 + 8 + 1 + buffered);
        b.put(STATE_VERSION);
        for (int v : h) {
            b.putInt(v);
        }
        b.putLong(length);
        b.put((byte) buffered);
        b.put(buffer, 0, buffered);
        return b.array();
    }

    /** A hasher that continues from a saved {@link #state()}. */
    public static ResumableSha256 restore(byte[] state) {
        if (state == null || state.length < 42 || state[0] != STATE_VERSION) {
            throw new IllegalArgumentException("not a saved SHA-256 state");
        }
        ByteBuffer b = ByteBuffer.wrap(state);
        b.get();
        ResumableSha256 s = new ResumableSha256();
        for (int i = 0; i < 8; i++) {
            s.h[i] = b.getInt();
        }
        s.length = b.getLong();
        int n = b.get() & 0xff;
        if (n > 63 || b.remaining() != n || s.length < 0 || s.length % 64 != n) {
            throw new IllegalArgumentException("corrupt SHA-256 state");
        }
        b.get(s.buffer, 0, n);
        s.buffered = n;
        return s;
    }

    private void compress(byte[] block, int off) {
        compress(h, block, off, w);
    }

    private static void compress(int[] h, byte[] block, int off, int[] w) {
        for (int t = 0; t < 16; t++) {
            int i = off + 4 * t;
            w[t] = (block[i] << 24) | ((block[i + 1] & 0xff) << 16) | ((block[i + 2] & 0xff) << 8) | (block[i + 3] & 0xff);
        }
        for (int t = 16; t < 64; t++) {
            int x = w[t - 15];
            int y = w[t - 2];
            int s0 = Integer.rotateRight(x, 7) ^ Integer.rotateRight(x, 18) ^ (x >>> 3);
            int s1 = Integer.rotateRight(y, 17) ^ Integer.rotateRight(y, 19) ^ (y >>> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }
        int a = h[0];
        int b = h[1];
        int c = h[2];
        int d = h[3];
        int e = h[4];
        int f = h[5];
        int g = h[6];
        int hh = h[7];
        for (int t = 0; t < 64; t++) {
            int s1 = Integer.rotateRight(e, 6) ^ Integer.rotateRight(e, 11) ^ Integer.rotateRight(e, 25);
            int ch = (e & f) ^ (~e & g);
            int t1 = hh + s1 + ch + K[t] + w[t];
            int s0 = Integer.rotateRight(a, 2) ^ Integer.rotateRight(a, 13) ^ Integer.rotateRight(a, 22);
            int maj = (a & b) ^ (a & c) ^ (b & c);
            int t2 = s0 + maj;
            hh = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
        h[5] += f;
        h[6] += g;
        h[7] += hh;
    }

    @Override
    public String toString() {
        return "ResumableSha256[length=" + length + ", state=" + Arrays.toString(h) + "]";
    }
}
