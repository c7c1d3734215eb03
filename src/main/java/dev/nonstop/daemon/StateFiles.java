package dev.nonstop.daemon;

import dev.nonstop.config.AppConfig;
import dev.nonstop.config.Config;
import dev.nonstop.deploy.DeployException;
import dev.nonstop.instance.LocalDriver;
import dev.nonstop.state.StateStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where each app's state is kept in the state folder: {@code state.json} for a file without
 * {@code apps:} (as ever), {@code apps/NAME.json} for each app of one with it. Read once at start,
 * under the state folder's lock.
 *
 * <p>An app whose own file is missing takes the file an earlier run wrote under its name (an app
 * that was the only one and now is one of several, or the reverse): the file is moved, so that
 * its servers are taken over. A file no app takes is an app removed from {@code nonstop.yml}: its
 * servers are stopped and the file deleted ({@link #stopRemoved}).
 */
final class StateFiles {
  private static final Logger log = LoggerFactory.getLogger(StateFiles.class);
  static final String SINGLE = "state.json";
  static final String APPS = "apps";

  private final Path dir;
  private final boolean routed;
  /** Every state file found and not yet taken by an app, with its document. */
  private final Map<Path, StateDoc> found = new LinkedHashMap<>();

  private StateFiles(Path dir, boolean routed) {
    this.dir = dir;
    this.routed = routed;
  }

  /**
   * Reads every app's state file in {@code config}'s state folder.
   *
   * @throws DeployException when one was written by a newer Nonstop, which this one would spoil
   */
  static StateFiles read(Config config) throws DeployException {
    StateFiles files = new StateFiles(config.state(), config.routed());
    List<Path> paths = new ArrayList<>();
    paths.add(config.state().resolve(SINGLE));
    Path apps = config.state().resolve(APPS);
    if (Files.isDirectory(apps)) {
      try (Stream<Path> list = Files.list(apps)) {
        list.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().forEach(paths::add);
      } catch (IOException e) {
        throw new DeployException("cannot list " + apps + ": " + e.getMessage(), e);
      }
    }
    for (Path p : paths) {
      StateStore<StateDoc> store = new StateStore<>(p, StateDoc.class);
      StateDoc doc = store.load().orElse(null);
      if (doc == null) {
        continue;
      }
      if (doc.format() > StateDoc.FORMAT) {
        throw new DeployException(p + " was written by a newer Nonstop (format " + doc.format()
            + "; this one reads up to " + StateDoc.FORMAT + "): run that version, or move the file away to start afresh");
      }
      files.found.put(p, doc);
    }
    return files;
  }

  /** The file of {@code app}. */
  StateStore<StateDoc> store(AppConfig app) {
    return new StateStore<>(path(app), StateDoc.class);
  }

  private Path path(AppConfig app) {
    return routed ? dir.resolve(APPS).resolve(app.app() + ".json") : dir.resolve(SINGLE);
  }

  /** The state of {@code app}: its own file's, else the one an earlier run kept under its name, moved. */
  StateDoc claim(AppConfig app) {
    Path own = path(app);
    StateDoc doc = found.remove(own);
    if (doc != null) {
      return doc;
    }
    for (Map.Entry<Path, StateDoc> e : found.entrySet()) {
      if (app.app().equals(e.getValue().app())) {
        found.remove(e.getKey());
        store(app).save(e.getValue());
        delete(e.getKey());
        log.info("{}: its state moves from {} to {}", app.app(), e.getKey(), own);
        return e.getValue();
      }
    }
    return StateDoc.empty(app.app());
  }

  /**
   * Stops the servers of the apps no longer in {@code config} and deletes their files. A file that
   * names an app still in it is a stale copy (a takeover's old daemon wrote it after the move):
   * only the file goes.
   */
  void stopRemoved(Config config, Duration stopTimeout) {
    for (Map.Entry<Path, StateDoc> e : found.entrySet()) {
      StateDoc doc = e.getValue();
      if (doc.app() != null && config.app(doc.app()) != null) {
        delete(e.getKey());
        continue;
      }
      Adoption left = Adoption.survey(doc);
      List<Adoption.Found> all = new ArrayList<>(left.live);
      all.addAll(left.warm);
      all.addAll(left.stray);
      log.warn("app {} is no longer in {}: stopping its {} server(s)", doc.app(), config.file().getFileName(),
          all.size());
      for (Adoption.Found f : all) {
        log.info("stopping pid {} ({} {} slot {}, port {})", f.process().pid(), doc.app(), f.saved().version(),
            f.saved().slot(), f.saved().port());
        LocalDriver.stopStray(f.process(), stopTimeout);
      }
      delete(e.getKey());
    }
    found.clear();
  }

  boolean anyRemoved() {
    return !found.isEmpty();
  }

  private static void delete(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
