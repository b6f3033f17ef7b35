//! Where payload keywords land while a rule is parsed: the packet payload
//! list, or the list of the sticky buffer last named; legacy content
//! modifiers move the content just written into a buffer's list.

use super::buffer::BufferId;
use super::content::Content;
use super::rule::{BufferMatch, Inspect};
use super::transform::Transform;

#[derive(Default)]
pub struct KeywordLists {
    pub payload: Vec<Inspect>,
    pub buffers: Vec<BufferMatch>,
    /// `None`: the payload list; `Some(i)`: `buffers[i]`.
    current: Option<usize>,
    /// The list and position of the most recent content.
    last_content: Option<(Option<usize>, usize)>,
}

impl KeywordLists {
    fn list(&mut self, which: Option<usize>) -> &mut Vec<Inspect> {
        match which.and_then(|i| self.buffers.get_mut(i)) {
            Some(b) => &mut b.steps,
            None => &mut self.payload,
        }
    }

    /// Appends a step to the current list.
    pub fn push(&mut self, step: Inspect) {
        let which = self.current;
        let is_content = matches!(step, Inspect::Content(_));
        let list = self.list(which);
        list.push(step);
        if is_content {
            self.last_content = Some((which, list.len() - 1));
        }
    }

    /// Appends a step to a buffer's list without making it current (pcre
    /// buffer modifiers, urilen).
    pub fn push_to(&mut self, id: BufferId, step: Inspect) {
        let i = self.index_of(id);
        self.buffers[i].steps.push(step);
    }

    fn index_of(&mut self, id: BufferId) -> usize {
        match self.buffers.iter().position(|b| b.id == id && b.transforms.is_empty()) {
            Some(i) => i,
            None => {
                self.buffers.push(BufferMatch {
                    id,
                    transforms: Vec::new(),
                    steps: Vec::new(),
                });
                self.buffers.len() - 1
            }
        }
    }

    /// A sticky buffer keyword: later keywords go to its list.
    pub fn sticky(&mut self, id: BufferId) {
        let i = self.index_of(id);
        self.current = Some(i);
    }

    /// `pkt_data`: back to the packet payload.
    pub fn reset_to_payload(&mut self) {
        self.current = None;
    }

    /// A transform applies to the current sticky buffer. After content
    /// keywords it starts a new list over the transformed buffer: both the
    /// keywords before and those after must match.
    pub fn transform(&mut self, t: Transform) -> Result<(), String> {
        let Some(i) = self.current else {
            return Err("a transform must follow a sticky buffer".into());
        };
        let b = &mut self.buffers[i];
        if b.steps.is_empty() {
            b.transforms.push(t);
            return Ok(());
        }
        let (id, mut transforms) = (b.id, b.transforms.clone());
        transforms.push(t);
        self.buffers.push(BufferMatch {
            id,
            transforms,
            steps: Vec::new(),
        });
        self.current = Some(self.buffers.len() - 1);
        Ok(())
    }

    pub fn last_content_mut(&mut self) -> Option<&mut Content> {
        let (which, pos) = self.last_content?;
        match self.list(which).get_mut(pos) {
            Some(Inspect::Content(c)) => Some(c),
            _ => None,
        }
    }

    /// A legacy modifier (`http_uri`, …): the last content moves to `id`'s list.
    pub fn move_last_content(&mut self, id: BufferId) -> Result<(), String> {
        let Some((which, pos)) = self.last_content else {
            return Err("needs a preceding content".into());
        };
        let target = self.index_of(id);
        if which == Some(target) {
            return Ok(());
        }
        let list = self.list(which);
        if pos + 1 != list.len() {
            return Err("must directly follow its content".into());
        }
        let step = list.remove(pos);
        self.buffers[target].steps.push(step);
        self.last_content = Some((Some(target), self.buffers[target].steps.len() - 1));
        Ok(())
    }
}
