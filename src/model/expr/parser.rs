//! Tokens to a syntax tree: precedence climbing with a nesting limit.

use super::lexer::{SyntaxError, Token, lex};
use super::{BinaryOp, Expr, RESERVED, TernaryOp, UnaryOp};

/// Parses an expression. Names are not resolved here; functions and their
/// arity are checked.
pub fn parse(src: &str) -> Result<Expr, SyntaxError> {
    let tokens = lex(src)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let e = p.or_expr()?;
    match p.peek() {
        Token::End => Ok(e),
        t => Err(p.error(format!("unexpected {t}"))),
    }
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    pos: usize,
    depth: usize,
}

/// Nesting limit: deeper input is rejected rather than overflowing the stack.
const MAX_DEPTH: usize = 200;

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.pos].0
    }

    fn next(&mut self) -> Token {
        let t = self.tokens[self.pos].0.clone();
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        t
    }

    fn error(&self, message: String) -> SyntaxError {
        SyntaxError {
            column: self.tokens[self.pos].1,
            message,
        }
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(self.peek(), Token::Ident(w) if w == word)
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Token::Op(o) if *o == op)
    }

    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            Err(self.error(format!("expression nested deeper than {MAX_DEPTH} levels")))
        } else {
            Ok(())
        }
    }

    fn or_expr(&mut self) -> Result<Expr, SyntaxError> {
        self.enter()?;
        let mut e = self.and_expr()?;
        while self.is_word("or") {
            self.next();
            e = Expr::Binary(BinaryOp::Or, Box::new(e), Box::new(self.and_expr()?));
        }
        self.depth -= 1;
        Ok(e)
    }

    fn and_expr(&mut self) -> Result<Expr, SyntaxError> {
        let mut e = self.comparison()?;
        while self.is_word("and") {
            self.next();
            e = Expr::Binary(BinaryOp::And, Box::new(e), Box::new(self.comparison()?));
        }
        Ok(e)
    }

    fn comparison(&mut self) -> Result<Expr, SyntaxError> {
        let e = self.additive()?;
        let op = match self.peek() {
            Token::Op("<") => BinaryOp::Lt,
            Token::Op("<=") => BinaryOp::Le,
            Token::Op(">") => BinaryOp::Gt,
            Token::Op(">=") => BinaryOp::Ge,
            Token::Op("==") => BinaryOp::Eq,
            Token::Op("!=") => BinaryOp::Ne,
            _ => return Ok(e),
        };
        self.next();
        let rhs = self.additive()?;
        if matches!(
            self.peek(),
            Token::Op("<" | "<=" | ">" | ">=" | "==" | "!=")
        ) {
            return Err(
                self.error("comparisons cannot be chained; write 'a < b and b < c'".to_string())
            );
        }
        Ok(Expr::Binary(op, Box::new(e), Box::new(rhs)))
    }

    fn additive(&mut self) -> Result<Expr, SyntaxError> {
        let mut e = self.multiplicative()?;
        loop {
            let op = if self.is_op("+") {
                BinaryOp::Add
            } else if self.is_op("-") {
                BinaryOp::Sub
            } else {
                return Ok(e);
            };
            self.next();
            e = Expr::Binary(op, Box::new(e), Box::new(self.multiplicative()?));
        }
    }

    fn multiplicative(&mut self) -> Result<Expr, SyntaxError> {
        let mut e = self.unary()?;
        loop {
            let op = if self.is_op("*") {
                BinaryOp::Mul
            } else if self.is_op("/") {
                BinaryOp::Div
            } else {
                return Ok(e);
            };
            self.next();
            e = Expr::Binary(op, Box::new(e), Box::new(self.unary()?));
        }
    }

    fn unary(&mut self) -> Result<Expr, SyntaxError> {
        self.enter()?;
        let e = if self.is_op("-") {
            self.next();
            Expr::Unary(UnaryOp::Neg, Box::new(self.unary()?))
        } else if self.is_word("not") {
            self.next();
            Expr::Unary(UnaryOp::Not, Box::new(self.unary()?))
        } else if self.is_op("+") {
            return Err(self.error("unary '+' is not part of the language".to_string()));
        } else {
            self.power()?
        };
        self.depth -= 1;
        Ok(e)
    }

    /// `^` binds tighter than unary minus and is right-associative; its
    /// exponent may carry a sign (`2^-1`).
    fn power(&mut self) -> Result<Expr, SyntaxError> {
        let base = self.primary()?;
        if self.is_op("^") {
            self.next();
            let exponent = self.unary()?;
            return Ok(Expr::Binary(
                BinaryOp::Pow,
                Box::new(base),
                Box::new(exponent),
            ));
        }
        Ok(base)
    }

    fn primary(&mut self) -> Result<Expr, SyntaxError> {
        let col_before = self.pos;
        match self.next() {
            Token::Num(v) => Ok(Expr::Num(v)),
            Token::LParen => {
                let e = self.or_expr()?;
                let at = self.pos;
                match self.next() {
                    Token::RParen => Ok(e),
                    t => {
                        self.pos = at;
                        Err(self.error(format!("expected ')', found {t}")))
                    }
                }
            }
            Token::Ident(name) => {
                if matches!(self.peek(), Token::LParen) {
                    self.next();
                    let args = self.arguments()?;
                    self.pos = self.pos.max(col_before);
                    call(&name, args).map_err(|message| SyntaxError {
                        column: self.tokens[col_before].1,
                        message,
                    })
                } else {
                    match name.as_str() {
                        "pi" => Ok(Expr::Num(std::f64::consts::PI)),
                        "e" => Ok(Expr::Num(std::f64::consts::E)),
                        "and" | "or" | "not" => {
                            self.pos = col_before;
                            Err(self.error(format!("'{name}' needs an operand before it")))
                        }
                        _ if RESERVED.contains(&name.as_str()) => {
                            self.pos = col_before;
                            Err(self
                                .error(format!("function '{name}' needs arguments in parentheses")))
                        }
                        _ => Ok(Expr::Name(name)),
                    }
                }
            }
            t => {
                self.pos = col_before;
                Err(self.error(format!("expected a number, name or '(', found {t}")))
            }
        }
    }

    fn arguments(&mut self) -> Result<Vec<Expr>, SyntaxError> {
        let mut args = Vec::new();
        if matches!(self.peek(), Token::RParen) {
            self.next();
            return Ok(args);
        }
        loop {
            args.push(self.or_expr()?);
            let at = self.pos;
            match self.next() {
                Token::Comma => continue,
                Token::RParen => return Ok(args),
                t => {
                    self.pos = at;
                    return Err(self.error(format!("expected ',' or ')', found {t}")));
                }
            }
        }
    }
}

/// Builds a function call, checking the function exists and its arity.
fn call(name: &str, mut args: Vec<Expr>) -> Result<Expr, String> {
    let unary = match name {
        "abs" => Some(UnaryOp::Abs),
        "sqrt" => Some(UnaryOp::Sqrt),
        "exp" => Some(UnaryOp::Exp),
        "ln" => Some(UnaryOp::Ln),
        "log10" => Some(UnaryOp::Log10),
        "sin" => Some(UnaryOp::Sin),
        "cos" => Some(UnaryOp::Cos),
        "floor" => Some(UnaryOp::Floor),
        "ceil" => Some(UnaryOp::Ceil),
        "logistic" => Some(UnaryOp::Logistic),
        _ => None,
    };
    let arity = |n: usize| -> Result<(), String> {
        if args.len() == n {
            Ok(())
        } else {
            Err(format!(
                "function '{name}' takes {n} argument{}, got {}",
                if n == 1 { "" } else { "s" },
                args.len()
            ))
        }
    };
    if let Some(op) = unary {
        arity(1)?;
        return Ok(Expr::Unary(op, Box::new(args.remove(0))));
    }
    match name {
        "min" | "max" => {
            if args.is_empty() {
                return Err(format!(
                    "function '{name}' takes at least 1 argument, got 0"
                ));
            }
            let op = if name == "min" {
                BinaryOp::Min
            } else {
                BinaryOp::Max
            };
            let mut it = args.into_iter();
            let first = it.next().expect("checked non-empty");
            Ok(it.fold(first, |acc, a| Expr::Binary(op, Box::new(acc), Box::new(a))))
        }
        "clamp" | "if" => {
            arity(3)?;
            let op = if name == "clamp" {
                TernaryOp::Clamp
            } else {
                TernaryOp::If
            };
            let c = args.pop().expect("arity 3");
            let b = args.pop().expect("arity 3");
            let a = args.pop().expect("arity 3");
            Ok(Expr::Ternary(op, Box::new(a), Box::new(b), Box::new(c)))
        }
        _ => Err(format!(
            "unknown function '{name}' (known: min, max, abs, sqrt, exp, ln, log10, sin, cos, floor, ceil, clamp, logistic, if)"
        )),
    }
}
