package org.sparkgrad.examples;

import java.util.function.Consumer;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Routes the INFO lines of the parameter-averaging trainer (logger {@value #TRAINER}) to a {@link Progress} instead of
 * the console, for as long as it is open. Works with the log4j2 back end Spark ships; {@link #attach} returns null when
 * another SLF4J binding is in use, and the trainer's lines then go wherever that binding sends them.
 */
final class TrainerLogTap implements AutoCloseable {
    static final String TRAINER = "org.sparkgrad.spark.ml.ParameterAveragingTrainer";
    private final LoggerContext ctx;
    private final Appender appender;
    private final LoggerConfig previous;

    private TrainerLogTap(LoggerContext ctx, Appender appender, LoggerConfig previous) {
        this.ctx = ctx;
        this.appender = appender;
        this.previous = previous;
    }

    /** Starts routing; null when log4j-core is not the logging back end. */
    static TrainerLogTap attach(Consumer<String> sink) {
        try {
            Class.forName("org.apache.logging.log4j.core.LoggerContext");
            if (!(LogManager.getContext(false) instanceof LoggerContext)) return null;
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration cfg = ctx.getConfiguration();
        Appender a = new AbstractAppender("sparkgrad-progress", null, null, true, Property.EMPTY_ARRAY) {
            @Override public void append(LogEvent e) {
                if (e.getLevel().isMoreSpecificThan(Level.INFO)) sink.accept(e.getMessage().getFormattedMessage());
            }
        };
        a.start();
        LoggerConfig existing = cfg.getLoggers().get(TRAINER);
        LoggerConfig lc = new LoggerConfig(TRAINER, Level.INFO, false);
        lc.addAppender(a, Level.INFO, null);
        // warnings and errors still reach the console through the usual appenders
        for (Appender root : cfg.getRootLogger().getAppenders().values()) lc.addAppender(root, Level.WARN, null);
        cfg.addLogger(TRAINER, lc);
        ctx.updateLoggers();
        return new TrainerLogTap(ctx, a, existing);
    }

    @Override public void close() {
        Configuration cfg = ctx.getConfiguration();
        cfg.removeLogger(TRAINER);
        if (previous != null) cfg.addLogger(TRAINER, previous);
        ctx.updateLoggers();
        appender.stop();
    }
}
