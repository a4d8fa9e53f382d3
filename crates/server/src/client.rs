//! A minimal blocking HTTP/1.1 client for this server: what its tests, `datolite bench serve`
//! and scripts in Rust need, without an HTTP library. It keeps one connection open between
//! requests (keep-alive), which a load test needs (a connection per request would measure TCP
//! set-up and run out of ports in `TIME_WAIT`), and reconnects when the server closed it.
//!
//! It reads what this server writes — a status line, headers, a body of `Content-Length`
//! bytes — not every HTTP answer (no chunked bodies).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// An answer: the status, the `Content-Type` and the body as text.
#[derive(Clone, Debug)]
pub struct Reply {
    /// The HTTP status code.
    pub status: u16,
    /// The `Content-Type` header (empty when absent).
    pub content_type: String,
    /// The body.
    pub body: String,
}

/// A connection to one server.
pub struct Client {
    addr: SocketAddr,
    token: Option<String>,
    stream: Option<BufReader<TcpStream>>,
}

impl Client {
    /// A client of the server at `addr`, sending `token` as a bearer token when given.
    pub fn new(addr: SocketAddr, token: Option<String>) -> Client {
        Client {
            addr,
            token,
            stream: None,
        }
    }

    /// `GET path` (path with its query string).
    pub fn get(&mut self, path: &str) -> std::io::Result<Reply> {
        self.request("GET", path, &[], "")
    }

    /// `POST path` with a JSON body.
    pub fn post_json(&mut self, path: &str, body: &str) -> std::io::Result<Reply> {
        self.request("POST", path, &[("Content-Type", "application/json")], body)
    }

    /// Sends one request with extra `headers` and `body`, reconnecting once when a kept
    /// connection turns out closed.
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> std::io::Result<Reply> {
        let mut text = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        if let Some(token) = &self.token {
            text.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        for (name, value) in headers {
            text.push_str(&format!("{name}: {value}\r\n"));
        }
        text.push_str("\r\n");
        text.push_str(body);
        let reused = self.stream.is_some();
        match self.exchange(text.as_bytes()) {
            Ok(reply) => Ok(reply),
            // A kept connection the server closed meanwhile: once more on a new one.
            Err(_) if reused => {
                self.stream = None;
                self.exchange(text.as_bytes())
            }
            Err(e) => Err(e),
        }
    }

    fn exchange(&mut self, request: &[u8]) -> std::io::Result<Reply> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(self.addr)?;
            stream.set_nodelay(true)?;
            stream.set_read_timeout(Some(Duration::from_secs(120)))?;
            self.stream = Some(BufReader::new(stream));
        }
        let result = match &mut self.stream {
            Some(stream) => {
                stream.get_mut().write_all(request)?;
                read_reply(stream)
            }
            None => Err(std::io::Error::other("no connection")),
        };
        match &result {
            Ok((_, true)) | Err(_) => self.stream = None,
            Ok((_, false)) => {}
        }
        result.map(|(reply, _)| reply)
    }
}

/// Reads one answer; the flag says the server closes the connection after it.
fn read_reply(stream: &mut BufReader<TcpStream>) -> std::io::Result<(Reply, bool)> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
    let mut line = String::new();
    if stream.read_line(&mut line)? == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the server closed the connection",
        ));
    }
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status line"))?;
    let (mut length, mut content_type, mut close) = (None, String::new(), false);
    loop {
        line.clear();
        stream.read_line(&mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = value.parse::<usize>().ok(),
                "content-type" => content_type = value.to_string(),
                "connection" => close = value.eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
    }
    let mut body = Vec::new();
    match length {
        Some(n) => {
            body.resize(n, 0);
            stream.read_exact(&mut body)?;
        }
        None => {
            stream.read_to_end(&mut body)?;
            close = true;
        }
    }
    let body = String::from_utf8(body).map_err(|_| bad("the body is not UTF-8"))?;
    Ok((
        Reply {
            status,
            content_type,
            body,
        },
        close,
    ))
}
