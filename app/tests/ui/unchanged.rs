//! The app as it is: it builds, so every other case fails by its mistake.

keel::api!(
    spec = "copies/unchanged/api.yaml",
    queries = "copies/unchanged/queries",
    migrations = "copies/unchanged/migrations",
    paths_from = "file"
);


fn main() {}
