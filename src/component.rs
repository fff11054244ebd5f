//! A configured component of a pluggable kind (a sink, a source): shared, comparable,
//! and downcast to its kind's own config only by code that names that kind.
//!
//! `Component<dyn Sink>` is what config holds for one `[[screens.sinks]]` table;
//! the trait object answers everything the rest of the program asks, and
//! equality (for hot reload's "does this need a restart") compares kind and
//! settings. Nothing here knows any kind.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

/// Equality and downcasting across kinds; implemented for every `PartialEq` type.
pub trait DynEq: Any {
    fn as_any(&self) -> &dyn Any;
    /// Same kind and equal settings.
    fn dyn_eq(&self, other: &dyn Any) -> bool;
}

impl<T: Any + PartialEq> DynEq for T {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn dyn_eq(&self, other: &dyn Any) -> bool {
        other.downcast_ref::<T>() == Some(self)
    }
}

/// One configured component; cheap to clone.
pub struct Component<T: ?Sized>(Arc<T>);

impl<T: ?Sized> Component<T> {
    pub fn from_arc(inner: Arc<T>) -> Component<T> {
        Component(inner)
    }
}

impl<T: ?Sized + DynEq> Component<T> {
    /// The kind's own config, when the component is of that kind.
    pub fn get<U: Any>(&self) -> Option<&U> {
        (*self.0).as_any().downcast_ref::<U>()
    }
}

impl<T: ?Sized> Clone for Component<T> {
    fn clone(&self) -> Self {
        Component(Arc::clone(&self.0))
    }
}

impl<T: ?Sized> std::ops::Deref for Component<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: ?Sized + DynEq> PartialEq for Component<T> {
    fn eq(&self, other: &Self) -> bool {
        (*self.0).dyn_eq((*other.0).as_any())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Component<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
