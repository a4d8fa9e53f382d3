//! Choosing and opening an engine from [`EngineOptions`].

use std::path::Path;
use std::sync::Arc;

use crate::{lmdb::LmdbEngine, memory::MemoryEngine, Engine, EngineKind, EngineOptions, Result};

/// Opens the engine `options.engine` names: LMDB at `path`, or a fresh memory engine (which
/// ignores `path`).
pub fn open_engine(path: Option<&Path>, options: &EngineOptions) -> Result<Arc<dyn Engine>> {
    match options.engine {
        EngineKind::Memory => Ok(Arc::new(MemoryEngine::new())),
        EngineKind::Lmdb => {
            let path = path.ok_or_else(|| crate::KvError::InvalidOption {
                name: "path".into(),
                reason: "the lmdb engine needs a database directory".into(),
            })?;
            Ok(Arc::new(LmdbEngine::open(path, options)?))
        }
    }
}
