package dev.credits.ai;

import dev.credits.CreditsException;

/** A provider or model that the price catalog does not list; raised before any call is made. */
public final class UnknownModelException extends CreditsException {
    private final String provider;
    private final String model;

    public UnknownModelException(String provider, String model) {
        super("unknown model " + provider + "/" + model + "; add its prices to the ai.models"
                + " section of the configuration");
        this.provider = provider;
        this.model = model;
    }

    public String provider() {
        return provider;
    }

    public String model() {
        return model;
    }

    @Override
    public String code() {
        return "unknown_model";
    }
}
