-- Runs once, when the Postgres volume is first initialised. The application database is the
-- image's POSTGRES_DB; Temporal keeps its execution state and its visibility index apart.
CREATE DATABASE temporal;
CREATE DATABASE temporal_visibility;
