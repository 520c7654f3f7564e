import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

/**
 * Runs mongo-java-server on 127.0.0.1 for local development and tests (started by scripts/stack/mongo.ts).
 *
 * Usage: MongoServerLauncher --port N --backend memory|h2 [--file PATH]
 *
 * The h2 backend keeps every database in one MVStore file. The store commits about once a
 * second and is closed by the shutdown hook, so stopping with SIGTERM loses nothing.
 */
public final class MongoServerLauncher {

    private static final String USAGE = "usage: MongoServerLauncher --port N --backend memory|h2 [--file PATH]";

    public static void main(String[] args) {
        final Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("MongoServerLauncher: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }

        // Logging must be set up before any mongo-java-server class creates its logger.
        configureLogging();
        MongoBackend backend = options.file() == null ? new MemoryBackend() : new H2Backend(options.file());
        MongoServer server = new MongoServer(backend);
        try {
            server.bind("127.0.0.1", options.port());
        } catch (Exception e) { // netty rethrows the BindException unchecked
            // The server's threads would keep a JVM that listens on nothing alive; the stack
            // would take it for a running server. Exit, so the failure shows at once.
            System.err.println("MongoServerLauncher: cannot listen on 127.0.0.1:" + options.port() + ": " + e.getMessage());
            System.exit(1);
        }
        // shutdownNow drops client connections first; the graceful shutdown() would wait
        // for every pooled driver connection to close and hang the stop.
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow, "mongo-server-shutdown"));
        System.out.println("mongo-java-server listening on 127.0.0.1:" + options.port()
            + (options.file() == null ? " (memory backend)" : " (h2 backend, file " + options.file() + ")"));
    }

    /** file is null for the memory backend. */
    private record Options(int port, String file) {

        static Options parse(String[] args) {
            Integer port = null;
            String backend = null;
            String file = null;
            for (int i = 0; i < args.length; i += 2) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value after " + args[i]);
                }
                String value = args[i + 1];
                switch (args[i]) {
                    case "--port" -> port = parsePort(value);
                    case "--backend" -> backend = value;
                    case "--file" -> file = value;
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (port == null) {
                throw new IllegalArgumentException("--port is required");
            }
            if ("memory".equals(backend)) {
                if (file != null) {
                    throw new IllegalArgumentException("--file is only for --backend h2");
                }
                return new Options(port, null);
            }
            if ("h2".equals(backend)) {
                if (file == null) {
                    throw new IllegalArgumentException("--backend h2 needs --file");
                }
                return new Options(port, file);
            }
            throw new IllegalArgumentException("--backend must be memory or h2");
        }

        private static int parsePort(String value) {
            try {
                int port = Integer.parseInt(value);
                if (port > 0 && port < 65536) {
                    return port;
                }
            } catch (NumberFormatException ignored) {
                // same message as an out-of-range number
            }
            throw new IllegalArgumentException("--port must be 1-65535, got " + value);
        }
    }

    // Defaults only: a -D option on the java command line still wins.
    private static void configureLogging() {
        setDefault("org.slf4j.simpleLogger.logFile", "System.out");
        setDefault("org.slf4j.simpleLogger.showDateTime", "true");
        setDefault("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
        // One INFO line per opened and per closed connection would flood the log during tests;
        // errors while handling a command are still logged.
        setDefault("org.slf4j.simpleLogger.log.de.bwaldvogel.mongo.wire.MongoWireProtocolHandler", "warn");
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
