package io.sluice.file;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Turns a name a device chose into a path that stays inside a receiver's folder, on any common
 * file system. The name is untrusted: it may hold {@code ..}, an absolute path, a drive letter,
 * NUL and other control characters, characters Windows refuses, reserved device names, or be
 * kilobytes long.
 *
 * <ul>
 * <li>{@code /} and {@code \} separate segments; empty, {@code .} and {@code ..} segments are
 *     dropped, so nothing can climb out or start at the root;</li>
 * <li>without {@code allowDirectories} only the last segment is kept (the device's directories
 *     are not created);</li>
 * <li>in a segment, control characters and {@code < > : " | ? *} become {@code _}; a leading
 *     dot becomes {@code _} (no hidden files, no clash with the receiver's own
 *     {@code .sluice-partial}); trailing dots and spaces go; reserved names ({@code CON},
 *     {@code NUL}, {@code COM1}, ...) get a {@code _} in front;</li>
 * <li>a segment is cut to 200 bytes of UTF-8 (keeping a short extension), at most 8 segments
 *     are kept; an empty result is {@code unnamed}.</li>
 * </ul>
 */
public final class FileNames {
    static final int MAX_SEGMENT_BYTES = 200;
    static final int MAX_SEGMENTS = 8;
    private static final Set<String> RESERVED = Set.of("CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5",
            "COM6", "COM7", "COM8", "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9");

    private FileNames() {
    }

    /** The safe relative form of {@code name}, segments joined by {@code /}. */
    public static String sanitize(String name, boolean allowDirectories) {
        List<String> segments = new ArrayList<>();
        for (String raw : (name == null ? "" : name).split("[/\\\\]")) {
            if (raw.isEmpty() || raw.equals(".") || raw.equals("..")) {
                continue;
            }
            String s = segment(raw);
            if (!s.isEmpty()) {
                segments.add(s);
            }
        }
        if (!allowDirectories && segments.size() > 1) {
            segments = List.of(segments.get(segments.size() - 1));
        }
        if (segments.size() > MAX_SEGMENTS) {
            segments = segments.subList(segments.size() - MAX_SEGMENTS, segments.size());
        }
        return segments.isEmpty() ? "unnamed" : String.join("/", segments);
    }

    private static String segment(String raw) {
        StringBuilder b = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (Character.isISOControl(c) || "<>:\"|?*".indexOf(c) >= 0) {
                b.append('_');
            } else if (Character.isSurrogate(c)) {
                // keep valid pairs, replace lone halves (not encodable as UTF-8)
                if (Character.isHighSurrogate(c) && i + 1 < raw.length() && Character.isLowSurrogate(raw.charAt(i + 1))) {
                    b.append(c).append(raw.charAt(++i));
                } else {
                    b.append('_');
                }
            } else {
                b.append(c);
            }
        }
        int end = b.length();
        while (end > 0 && (b.charAt(end - 1) == '.' || b.charAt(end - 1) == ' ')) {
            end--;
        }
        b.setLength(end);
        if (b.length() == 0) {
            return "";
        }
        if (b.charAt(0) == '.') {
            b.setCharAt(0, '_');
        }
        String s = b.toString();
        int dot = s.indexOf('.');
        String stem = (dot < 0 ? s : s.substring(0, dot)).toUpperCase(Locale.ROOT);
        if (RESERVED.contains(stem)) {
            s = "_" + s;
        }
        return truncate(s);
    }

    private static String truncate(String s) {
        if (s.getBytes(StandardCharsets.UTF_8).length <= MAX_SEGMENT_BYTES) {
            return s;
        }
        int dot = s.lastIndexOf('.');
        String ext = dot > 0 && s.length() - dot <= 16 ? s.substring(dot) : "";
        String stem = ext.isEmpty() ? s : s.substring(0, dot);
        int budget = MAX_SEGMENT_BYTES - ext.getBytes(StandardCharsets.UTF_8).length;
        StringBuilder b = new StringBuilder();
        int used = 0;
        for (int i = 0; i < stem.length(); ) {
            int cp = stem.codePointAt(i);
            int n = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            if (used + n > budget) {
                break;
            }
            b.appendCodePoint(cp);
            used += n;
            i += Character.charCount(cp);
        }
        return b + ext;
    }

    /** {@code name.ext} with a suffix before the extension: {@code name-2.ext}. */
    static String withSuffix(String relative, int n) {
        int slash = relative.lastIndexOf('/');
        String dir = slash < 0 ? "" : relative.substring(0, slash + 1);
        String file = relative.substring(slash + 1);
        int dot = file.lastIndexOf('.');
        if (dot <= 0) {
            return dir + file + "-" + n;
        }
        return dir + file.substring(0, dot) + "-" + n + file.substring(dot);
    }

    /**
     * {@code relative} resolved under {@code folder}, checked to stay inside it also through
     * symbolic links already there; the parent directories are created.
     *
     * @throws IOException if the path would leave the folder (it cannot after {@link #sanitize},
     *                     except through a link someone placed in the folder)
     */
    static Path resolveInside(Path folder, String relative) throws IOException {
        Path root = folder.toRealPath();
        Path target = root.resolve(relative).normalize();
        if (!target.startsWith(root) || target.equals(root)) {
            throw new IOException("'" + relative + "' leaves " + root);
        }
        Path parent = target.getParent();
        Files.createDirectories(parent);
        if (!parent.toRealPath().startsWith(root)) {
            throw new IOException("'" + relative + "' leads out of " + root + " through a link");
        }
        if (Files.isSymbolicLink(target) || (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && Files.isDirectory(target))) {
            throw new IOException("'" + relative + "' is a link or a directory in " + root);
        }
        return target;
    }
}
