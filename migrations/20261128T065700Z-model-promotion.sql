-- Promotion (issue 5 §4): a model version names its ONNX artifacts, and remembers the serving pool
-- it was promoted for, so a later precision switch is judged against that pool's compute capability.
ALTER TABLE models ADD COLUMN artifacts jsonb NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE models ADD COLUMN serving_pool text REFERENCES pools(name);
