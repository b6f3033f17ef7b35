//! Where payload keywords land while a rule is parsed: the packet payload
//! list, the list of the sticky buffer last named, or the decoded-data list
//! of the last `base64_decode`; legacy content modifiers move the content
//! just written into a buffer's list.

use super::base64::Base64Decode;
use super::buffer::BufferId;
use super::content::Content;
use super::rule::{BufferMatch, Inspect};
use super::transform::Transform;

/// A list keywords can be written to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Target {
    #[default]
    Payload,
    Buffer(usize),
    /// The `base64_data` list of `decoded[k]`.
    Decoded(usize),
}

#[derive(Default)]
pub struct KeywordLists {
    pub payload: Vec<Inspect>,
    pub buffers: Vec<BufferMatch>,
    current: Target,
    /// The list and position of the most recent content.
    last_content: Option<(Target, usize)>,
    /// Per `base64_decode`, in rule order: where its step is (the payload,
    /// `None`, or `buffers[i]`, and the position) and its `base64_data`
    /// steps, joined to it by [`KeywordLists::finish`].
    decoded: Vec<(Option<usize>, usize, Vec<Inspect>)>,
}

impl KeywordLists {
    fn top(&mut self, which: Option<usize>) -> &mut Vec<Inspect> {
        match which.and_then(|i| self.buffers.get_mut(i)) {
            Some(b) => &mut b.steps,
            None => &mut self.payload,
        }
    }

    fn list(&mut self, target: Target) -> &mut Vec<Inspect> {
        match target {
            Target::Payload => self.top(None),
            Target::Buffer(i) => self.top(Some(i)),
            Target::Decoded(k) => match self.decoded.get_mut(k) {
                Some((_, _, steps)) => steps,
                None => &mut self.payload,
            },
        }
    }

    /// The payload list and the buffer lists, each `base64_decode` step
    /// holding its `base64_data` steps.
    pub fn finish(mut self) -> (Vec<Inspect>, Vec<BufferMatch>) {
        for (parent, at, steps) in std::mem::take(&mut self.decoded) {
            if let Some(Inspect::Base64(d)) = self.top(parent).get_mut(at) {
                d.then = steps;
            }
        }
        (self.payload, self.buffers)
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

    /// `base64_decode`: a relative one follows the last content, in that
    /// content's list; otherwise it goes to the current list.
    pub fn base64_decode(&mut self, d: Base64Decode) -> Result<(), String> {
        let home = match self.last_content {
            Some((target, _)) if d.relative => target,
            _ => self.current,
        };
        let parent = match home {
            Target::Payload => None,
            Target::Buffer(i) => Some(i),
            Target::Decoded(_) => return Err("base64_decode cannot decode base64_data again".into()),
        };
        let list = self.top(parent);
        list.push(Inspect::Base64(Box::new(d)));
        let at = list.len() - 1;
        self.decoded.push((parent, at, Vec::new()));
        Ok(())
    }

    /// `base64_data`: later keywords inspect what the last `base64_decode`
    /// decoded.
    pub fn base64_data(&mut self) -> Result<(), String> {
        if self.decoded.is_empty() {
            return Err("base64_data needs a base64_decode before it".into());
        }
        self.current = Target::Decoded(self.decoded.len() - 1);
        Ok(())
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
        self.current = Target::Buffer(i);
    }

    /// `pkt_data`: back to the packet payload.
    pub fn reset_to_payload(&mut self) {
        self.current = Target::Payload;
    }

    /// A transform applies to the current sticky buffer. After content
    /// keywords it starts a new list over the transformed buffer: both the
    /// keywords before and those after must match.
    pub fn transform(&mut self, t: Transform) -> Result<(), String> {
        let Target::Buffer(i) = self.current else {
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
        self.current = Target::Buffer(self.buffers.len() - 1);
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
        if which == Target::Buffer(target) {
            return Ok(());
        }
        if matches!(which, Target::Decoded(_)) {
            return Err("cannot move a base64_data content to another buffer".into());
        }
        let list = self.list(which);
        if pos + 1 != list.len() {
            return Err("must directly follow its content".into());
        }
        let step = list.remove(pos);
        self.buffers[target].steps.push(step);
        self.last_content = Some((Target::Buffer(target), self.buffers[target].steps.len() - 1));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::buffer::BufferId;
    use crate::rules::{Classifications, Inspect, Loader, Vars};

    fn load(opts: &str) -> crate::rules::RuleSet {
        let (vars, classes) = (Vars::default(), Classifications::default());
        let mut l = Loader::new(&vars, &classes);
        l.add_text(&format!("alert http any any -> any any ({opts} sid:1;)"), "t");
        l.finish()
    }

    #[test]
    fn a_relative_base64_decode_follows_its_content_into_a_legacy_buffer() {
        let set = load(
            r#"content:"arg"; http_uri; base64_decode:bytes 17, offset 1, relative; base64_data; content:"thisisatest";"#,
        );
        assert!(set.diagnostics.is_empty(), "{:?}", set.diagnostics);
        let rule = &set.rules[0];
        assert!(rule.payload.is_empty());
        let uri = rule.buffers.iter().find(|b| b.id == BufferId::HttpUri).unwrap();
        let [Inspect::Content(_), Inspect::Base64(d)] = &uri.steps[..] else {
            panic!("{:?}", uri.steps);
        };
        assert!(matches!(&d.then[..], [Inspect::Content(c)] if c.pattern == b"thisisatest"));
        // The decoded text is not in the buffer: it cannot be its prefilter.
        assert_eq!(rule.fast_pattern.as_ref().unwrap().bytes, b"arg");
    }

    #[test]
    fn base64_keywords_out_of_place_are_refused() {
        for opts in [
            r#"base64_data; content:"x";"#,
            r#"content:"a"; base64_decode:relative; base64_data; content:"b"; base64_decode:relative;"#,
            r#"content:"a"; base64_decode:relative; base64_data; base64_decode;"#,
            r#"content:"a"; base64_decode:bytes 0;"#,
            r#"content:"a"; base64_decode:relative; base64_data; content:"x"; http_uri;"#,
        ] {
            assert!(!load(opts).diagnostics.is_empty(), "{opts}");
        }
    }
}
