package dev.credits.spring;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Period;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code credits.*} properties. Every amount is a decimal string in its credit type's scale
 * (never a floating-point number); every value is checked once, when the ledger opens, and a bad
 * one stops the application with a message that names the property.
 */
@ConfigurationProperties(prefix = "credits")
public class CreditsProperties {
    /**
     * Whether to use the application's DataSource when it has one. False (or no DataSource) runs
     * the ledger on database-url when set, else on an embedded PostgreSQL in data-directory.
     */
    private boolean useApplicationDataSource = true;
    /** A JDBC URL of a PostgreSQL for the ledger alone, with pools of its own. */
    private String databaseUrl;
    /** The user for database-url. */
    private String databaseUser;
    /** The password for database-url. */
    private String databasePassword;
    /** Where the embedded PostgreSQL keeps its files when there is no other database. */
    private Path dataDirectory = Path.of("data");
    /** Embedded only: run with fsync and synchronous_commit on (off only in tests). */
    private boolean durable = true;
    /** Connections of the ledger's own pool (database-url or embedded), 1..200. */
    private int poolSize = 16;
    /**
     * How often due expiries are recorded in the background; 0 turns the sweeper off (expired
     * credits are never spendable either way).
     */
    private Duration sweeperInterval = Duration.ofSeconds(5);
    /** Schema history table of the ledger's migrations on the application's DataSource. */
    private String historyTable = "credits_schema_history";
    /** Publish every ledger event as a Spring ApplicationEvent after its commit. */
    private boolean publishEvents = true;
    /** In a web application, answer the ledger's exceptions as problem details (RFC 9457). */
    private boolean problemDetails = true;
    private final GroupCommit groupCommit = new GroupCommit();
    /** The credit types; none configured means one, "credits", scale 2, no overdraft. */
    private final List<CreditTypeProperties> creditTypes = new ArrayList<>();
    /** One-off products (credit packs) that Plans sells; a Catalog bean replaces them. */
    private final List<ProductProperties> products = new ArrayList<>();
    private final Ai ai = new Ai();
    private final PlansSchedule plans = new PlansSchedule();

    /** Group commit: concurrent commands applied in batches, one transaction per batch. */
    public static class GroupCommit {
        /** False runs one transaction per command. */
        private boolean enabled = true;
        /** Commands waiting for a batch, at most, before callers get OverloadedException. */
        private int queueCommandsMax = 8_192;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public int getQueueCommandsMax() {
            return queueCommandsMax;
        }

        public void setQueueCommandsMax(int queueCommandsMax) {
            this.queueCommandsMax = queueCommandsMax;
        }
    }

    /** One credit type. */
    public static class CreditTypeProperties {
        /** The id used in every API: [a-z0-9_-]{1,64}. */
        private String id;
        /** Display name; the id when empty. */
        private String name;
        /** An icon shown beside the name, e.g. an emoji. */
        private String icon;
        /** Decimal places, 0..9. */
        private int scale = 2;
        /** How far below zero a wallet may go: a decimal in the type's scale, or "unlimited". */
        private String overdraftLimit = "0";
        /** A balance.low event when the available amount falls below it. */
        private String lowBalanceThreshold;
        /** Several thresholds, each firing once per crossing (at most 10). */
        private List<String> alertThresholds = new ArrayList<>();
        /** CreditsExpiringSoon this many days before credits expire; 0 for never. */
        private int expiringSoonDays = 7;

        public String getId() {
            return id;
        }

        public void setId(String id) {
            this.id = id;
        }

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public String getIcon() {
            return icon;
        }

        public void setIcon(String icon) {
            this.icon = icon;
        }

        public int getScale() {
            return scale;
        }

        public void setScale(int scale) {
            this.scale = scale;
        }

        public String getOverdraftLimit() {
            return overdraftLimit;
        }

        public void setOverdraftLimit(String overdraftLimit) {
            this.overdraftLimit = overdraftLimit;
        }

        public String getLowBalanceThreshold() {
            return lowBalanceThreshold;
        }

        public void setLowBalanceThreshold(String lowBalanceThreshold) {
            this.lowBalanceThreshold = lowBalanceThreshold;
        }

        public List<String> getAlertThresholds() {
            return alertThresholds;
        }

        public void setAlertThresholds(List<String> alertThresholds) {
            this.alertThresholds = alertThresholds;
        }

        public int getExpiringSoonDays() {
            return expiringSoonDays;
        }

        public void setExpiringSoonDays(int expiringSoonDays) {
            this.expiringSoonDays = expiringSoonDays;
        }
    }

    /** A one-off product, e.g. a credit pack. */
    public static class ProductProperties {
        /** The id used in every API: [a-z0-9_-]{1,64}. */
        private String id;
        /** Display name; the id when empty. */
        private String name;
        /** The price customers are shown, a decimal string; the payment happens elsewhere. */
        private String priceAmount;
        /** The price's lower-case ISO 4217 currency, e.g. usd. */
        private String priceCurrency;
        /** What one unit of the product grants. */
        private final List<ProvisionProperties> provides = new ArrayList<>();

        public String getId() {
            return id;
        }

        public void setId(String id) {
            this.id = id;
        }

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public String getPriceAmount() {
            return priceAmount;
        }

        public void setPriceAmount(String priceAmount) {
            this.priceAmount = priceAmount;
        }

        public String getPriceCurrency() {
            return priceCurrency;
        }

        public void setPriceCurrency(String priceCurrency) {
            this.priceCurrency = priceCurrency;
        }

        public List<ProvisionProperties> getProvides() {
            return provides;
        }
    }

    /** Credits a product grants. */
    public static class ProvisionProperties {
        /** The credit type's id. */
        private String creditType;
        /** How much, a positive decimal in the type's scale. */
        private String amount;
        /** How long the credits last from the purchase, e.g. P6M; empty for never. */
        private Period expiresAfter;

        public String getCreditType() {
            return creditType;
        }

        public void setCreditType(String creditType) {
            this.creditType = creditType;
        }

        public String getAmount() {
            return amount;
        }

        public void setAmount(String amount) {
            this.amount = amount;
        }

        public Period getExpiresAfter() {
            return expiresAfter;
        }

        public void setExpiresAfter(Period expiresAfter) {
            this.expiresAfter = expiresAfter;
        }
    }

    /** AI metering: what a model call costs in credits. */
    public static class Ai {
        /** The credit type AI calls are charged in. */
        private String creditType = "credits";
        /** Credits one US dollar of provider cost buys, a decimal string. */
        private String creditsPerUsd = "100";
        /** Added to the provider's cost, a decimal percentage, e.g. 20. */
        private String markupPercent = "0";

        public String getCreditType() {
            return creditType;
        }

        public void setCreditType(String creditType) {
            this.creditType = creditType;
        }

        public String getCreditsPerUsd() {
            return creditsPerUsd;
        }

        public void setCreditsPerUsd(String creditsPerUsd) {
            this.creditsPerUsd = creditsPerUsd;
        }

        public String getMarkupPercent() {
            return markupPercent;
        }

        public void setMarkupPercent(String markupPercent) {
            this.markupPercent = markupPercent;
        }
    }

    /** Subscriptions' renewals. */
    public static class PlansSchedule {
        /** How often due subscription periods are renewed; 0 turns the scheduler off. */
        private Duration renewalInterval = Duration.ofSeconds(10);

        public Duration getRenewalInterval() {
            return renewalInterval;
        }

        public void setRenewalInterval(Duration renewalInterval) {
            this.renewalInterval = renewalInterval;
        }
    }

    public boolean isUseApplicationDataSource() {
        return useApplicationDataSource;
    }

    public void setUseApplicationDataSource(boolean useApplicationDataSource) {
        this.useApplicationDataSource = useApplicationDataSource;
    }

    public String getDatabaseUrl() {
        return databaseUrl;
    }

    public void setDatabaseUrl(String databaseUrl) {
        this.databaseUrl = databaseUrl;
    }

    public String getDatabaseUser() {
        return databaseUser;
    }

    public void setDatabaseUser(String databaseUser) {
        this.databaseUser = databaseUser;
    }

    public String getDatabasePassword() {
        return databasePassword;
    }

    public void setDatabasePassword(String databasePassword) {
        this.databasePassword = databasePassword;
    }

    public Path getDataDirectory() {
        return dataDirectory;
    }

    public void setDataDirectory(Path dataDirectory) {
        this.dataDirectory = dataDirectory;
    }

    public boolean isDurable() {
        return durable;
    }

    public void setDurable(boolean durable) {
        this.durable = durable;
    }

    public int getPoolSize() {
        return poolSize;
    }

    public void setPoolSize(int poolSize) {
        this.poolSize = poolSize;
    }

    public Duration getSweeperInterval() {
        return sweeperInterval;
    }

    public void setSweeperInterval(Duration sweeperInterval) {
        this.sweeperInterval = sweeperInterval;
    }

    public String getHistoryTable() {
        return historyTable;
    }

    public void setHistoryTable(String historyTable) {
        this.historyTable = historyTable;
    }

    public boolean isPublishEvents() {
        return publishEvents;
    }

    public void setPublishEvents(boolean publishEvents) {
        this.publishEvents = publishEvents;
    }

    public boolean isProblemDetails() {
        return problemDetails;
    }

    public void setProblemDetails(boolean problemDetails) {
        this.problemDetails = problemDetails;
    }

    public GroupCommit getGroupCommit() {
        return groupCommit;
    }

    public List<CreditTypeProperties> getCreditTypes() {
        return creditTypes;
    }

    public List<ProductProperties> getProducts() {
        return products;
    }

    public Ai getAi() {
        return ai;
    }

    public PlansSchedule getPlans() {
        return plans;
    }
}
