//! Expression text to tokens, each with its 1-based column.

use std::fmt;

/// A syntax error at a character column (1-based) of the expression text.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub column: usize,
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at column {})", self.message, self.column)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Token {
    Num(f64),
    Ident(String),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
    End,
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Num(v) => write!(f, "number {v}"),
            Token::Ident(s) => write!(f, "'{s}'"),
            Token::Op(s) => write!(f, "'{s}'"),
            Token::LParen => f.write_str("'('"),
            Token::RParen => f.write_str("')'"),
            Token::Comma => f.write_str("','"),
            Token::End => f.write_str("end of expression"),
        }
    }
}

pub(super) fn lex(src: &str) -> Result<Vec<(Token, usize)>, SyntaxError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    i = j;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let text: String = chars[start..i].iter().collect();
            let value: f64 = text.parse().map_err(|_| SyntaxError {
                column: col,
                message: format!("malformed number '{text}'"),
            })?;
            out.push((Token::Num(value), col));
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((Token::Ident(chars[start..i].iter().collect()), col));
            continue;
        }
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        let (tok, len) = match two.as_str() {
            "<=" => (Token::Op("<="), 2),
            ">=" => (Token::Op(">="), 2),
            "==" => (Token::Op("=="), 2),
            "!=" => (Token::Op("!="), 2),
            _ => match c {
                '+' => (Token::Op("+"), 1),
                '-' => (Token::Op("-"), 1),
                '*' => (Token::Op("*"), 1),
                '/' => (Token::Op("/"), 1),
                '^' => (Token::Op("^"), 1),
                '<' => (Token::Op("<"), 1),
                '>' => (Token::Op(">"), 1),
                '(' => (Token::LParen, 1),
                ')' => (Token::RParen, 1),
                ',' => (Token::Comma, 1),
                '=' => {
                    return Err(SyntaxError {
                        column: col,
                        message: "a single '=' compares nothing: write '==' to test equality"
                            .into(),
                    });
                }
                _ => {
                    return Err(SyntaxError {
                        column: col,
                        message: format!("unexpected character '{c}'"),
                    });
                }
            },
        };
        out.push((tok, col));
        i += len;
    }
    out.push((Token::End, chars.len() + 1));
    Ok(out)
}
