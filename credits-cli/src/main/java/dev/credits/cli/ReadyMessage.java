package dev.credits.cli;

import java.io.PrintWriter;

/** What {@code serve} prints once it answers: where it is and what to do first. */
final class ReadyMessage {
    private ReadyMessage() {
    }

    static void print(PrintWriter out, int port, DatabaseOptions database,
                      boolean environmentKeySet) {
        String url = "http://localhost:" + port;
        String where = database.asArguments();
        String cli = "./credits keys create --name my-app" + (where.isEmpty() ? "" : " " + where);
        String auth = "-H \"Authorization: Bearer $KEY\"";
        out.println("credits is ready at " + url);
        out.println("  API docs: " + url + "/docs    OpenAPI: " + url + "/openapi.json"
                + "    health: " + url + "/health");
        if (environmentKeySet) {
            out.println("  The key in CREDITS_API_KEY is accepted.");
        }
        out.println();
        out.println("First steps, in another terminal:");
        out.println("  1. Create an API key (its secret is printed once"
                + (where.contains("=***") ? "; put the database password back in for ***"
                : "") + "):");
        out.println("       KEY=$(" + cli + ")");
        out.println("  2. Grant credits to a customer, then spend some:");
        out.println("       curl -s -X POST " + url + "/v1/customers/user_42/grants " + auth
                + " \\");
        out.println("         -H 'Content-Type: application/json'"
                + " -d '{\"credit_type\": \"credits\", \"amount\": \"100.00\","
                + " \"source\": \"purchase\"}'");
        out.println("       curl -s -X POST " + url + "/v1/customers/user_42/spend " + auth
                + " \\");
        out.println("         -H 'Content-Type: application/json'"
                + " -d '{\"credit_type\": \"credits\", \"amount\": \"10.25\","
                + " \"feature\": \"chat\"}'");
        out.println("  3. See the wallet and its history:");
        out.println("       curl -s " + url + "/v1/customers/user_42/wallets/credits " + auth);
        out.println("       curl -s " + url + "/v1/customers/user_42/transactions " + auth);
        out.println();
        out.println("Stop with Ctrl+C: requests in flight finish first.");
        out.flush();
    }

    /** The demo's portal link (valid an hour) and the console's address and key. */
    static void printDemo(PrintWriter out, String url, String link, String consoleKey) {
        out.println();
        out.println("Demo (simulated time; never for real customers):");
        out.println("  Portal of customer 'demo' (the link is valid for an hour):");
        out.println("       " + link);
        out.println("  A new link any time:");
        out.println("       curl -s -X POST " + url.replaceAll("/+$", "") + "/v1/portal-sessions -H \"Authorization:"
                + " Bearer " + consoleKey + "\" \\");
        out.println("         -H 'Content-Type: application/json' -d '{\"customer_id\":"
                + " \"demo\"}'");
        out.println("  Operator console: " + url.replaceAll("/+$", "") + "/admin  (sign in with this admin key,"
                + " made anew at each start):");
        out.println("       " + consoleKey);
        out.flush();
    }
}
