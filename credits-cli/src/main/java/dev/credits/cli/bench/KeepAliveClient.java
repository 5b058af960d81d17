package dev.credits.cli.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The load generator of the {@code http} scenario: one keep-alive HTTP/1.1 connection per client
 * thread, blocking, written by hand so that the generator costs as little CPU as possible (the
 * JDK's HttpClient funnels every connection through one selector thread and became the bound).
 * It understands exactly what the server sends: a status line, headers, a Content-Length body.
 */
final class KeepAliveClient implements AutoCloseable {
    static final int HEADER_BYTES_MAX = 16 * 1024;

    private final String host;
    private final int port;
    private final String authorization;
    private Socket socket;
    private OutputStream out;
    private InputStream in;

    KeepAliveClient(String host, int port, String authorization) {
        this.host = host;
        this.port = port;
        this.authorization = authorization;
    }

    /** POSTs a JSON body and returns the status; reads and drops the response body. */
    int post(String path, String json) throws IOException {
        if (socket == null) {
            socket = new Socket(host, port);
            socket.setTcpNoDelay(true);
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream());
        }
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String head = "POST " + path + " HTTP/1.1\r\nHost: " + host + ":" + port
                + "\r\nAuthorization: " + authorization
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                + "\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return readResponse();
    }

    private int readResponse() throws IOException {
        StringBuilder header = new StringBuilder();
        while (header.length() < 4 || !header.substring(header.length() - 4).equals("\r\n\r\n")) {
            int b = in.read();
            if (b < 0 || header.length() > HEADER_BYTES_MAX) {
                throw new IOException("connection closed in the response header");
            }
            header.append((char) b);
        }
        String text = header.toString();
        int status = Integer.parseInt(text.substring(9, 12));
        long length = 0;
        for (String line : text.split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Long.parseLong(line.substring(15).trim());
            }
        }
        for (long left = length; left > 0; ) {
            long skipped = in.skip(left);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new IOException("connection closed in the response body");
                }
                skipped = 1;
            }
            left -= skipped;
        }
        return status;
    }

    @Override
    public void close() throws IOException {
        if (socket != null) {
            socket.close();
        }
    }
}
