//! Expressions of the model language: syntax tree, parser, and the scalar
//! meaning of every operator and function.
//!
//! NaN propagates through every operator and function, logical ones included
//! (`NaN and 0` is NaN, `if(NaN, a, b)` is NaN), so that a quantity that is
//! undefined for a sample is counted as non-finite instead of silently
//! becoming 0 or 1.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Neg,
    Not,
    Abs,
    Sqrt,
    Exp,
    Ln,
    Log10,
    Sin,
    Cos,
    Floor,
    Ceil,
    Logistic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Pow,
    Mul,
    Div,
    Add,
    Sub,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
    Min,
    Max,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TernaryOp {
    Clamp,
    If,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(f64),
    Name(String),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Ternary(TernaryOp, Box<Expr>, Box<Expr>, Box<Expr>),
}

/// 1.0 for true, 0.0 for false.
#[inline(always)]
fn truth(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// 1 / (1 + e^-x) without overflow for any x.
#[inline(always)]
pub fn logistic(x: f64) -> f64 {
    // exp(-|x|) never overflows; 1 / (1 + e) for x >= 0, e / (1 + e) below.
    // The side is a select, not a branch: its sign is often unpredictable.
    let e = (-x.abs()).exp();
    let numerator = if x >= 0.0 { 1.0 } else { e };
    numerator / (1.0 + e)
}

impl UnaryOp {
    #[inline(always)]
    pub fn apply(self, x: f64) -> f64 {
        match self {
            UnaryOp::Neg => -x,
            UnaryOp::Not => {
                if x.is_nan() {
                    x
                } else {
                    truth(x == 0.0)
                }
            }
            UnaryOp::Abs => x.abs(),
            UnaryOp::Sqrt => x.sqrt(),
            UnaryOp::Exp => x.exp(),
            UnaryOp::Ln => x.ln(),
            UnaryOp::Log10 => x.log10(),
            UnaryOp::Sin => x.sin(),
            UnaryOp::Cos => x.cos(),
            UnaryOp::Floor => x.floor(),
            UnaryOp::Ceil => x.ceil(),
            UnaryOp::Logistic => logistic(x),
        }
    }

    fn function_name(self) -> Option<&'static str> {
        Some(match self {
            UnaryOp::Neg | UnaryOp::Not => return None,
            UnaryOp::Abs => "abs",
            UnaryOp::Sqrt => "sqrt",
            UnaryOp::Exp => "exp",
            UnaryOp::Ln => "ln",
            UnaryOp::Log10 => "log10",
            UnaryOp::Sin => "sin",
            UnaryOp::Cos => "cos",
            UnaryOp::Floor => "floor",
            UnaryOp::Ceil => "ceil",
            UnaryOp::Logistic => "logistic",
        })
    }
}

impl BinaryOp {
    #[inline(always)]
    pub fn apply(self, a: f64, b: f64) -> f64 {
        // Comparisons and logic with a NaN operand give NaN (see module docs).
        let nan = a.is_nan() || b.is_nan();
        match self {
            BinaryOp::Pow => a.powf(b),
            BinaryOp::Mul => a * b,
            BinaryOp::Div => a / b,
            BinaryOp::Add => a + b,
            BinaryOp::Sub => a - b,
            BinaryOp::Min => {
                if nan {
                    f64::NAN
                } else {
                    a.min(b)
                }
            }
            BinaryOp::Max => {
                if nan {
                    f64::NAN
                } else {
                    a.max(b)
                }
            }
            _ if nan => f64::NAN,
            BinaryOp::Lt => truth(a < b),
            BinaryOp::Le => truth(a <= b),
            BinaryOp::Gt => truth(a > b),
            BinaryOp::Ge => truth(a >= b),
            BinaryOp::Eq => truth(a == b),
            BinaryOp::Ne => truth(a != b),
            BinaryOp::And => truth(a != 0.0 && b != 0.0),
            BinaryOp::Or => truth(a != 0.0 || b != 0.0),
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Pow => "^",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::And => "and",
            BinaryOp::Or => "or",
            BinaryOp::Min => "min",
            BinaryOp::Max => "max",
        }
    }
}

impl TernaryOp {
    #[inline(always)]
    pub fn apply(self, a: f64, b: f64, c: f64) -> f64 {
        match self {
            TernaryOp::Clamp => {
                if a.is_nan() || b.is_nan() || c.is_nan() {
                    f64::NAN
                } else {
                    a.max(b).min(c)
                }
            }
            TernaryOp::If => {
                if a.is_nan() {
                    a
                } else if a != 0.0 {
                    b
                } else {
                    c
                }
            }
        }
    }

    fn name(self) -> &'static str {
        match self {
            TernaryOp::Clamp => "clamp",
            TernaryOp::If => "if",
        }
    }
}

/// Words that cannot name a node: operators, constants and functions.
pub const RESERVED: &[&str] = &[
    "and", "or", "not", "pi", "e", "min", "max", "abs", "sqrt", "exp", "ln", "log10", "sin", "cos",
    "floor", "ceil", "clamp", "logistic", "if",
];

/// A valid node name: a letter or underscore, then letters, digits, underscores.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Expr {
    /// Every name referenced, in order of first appearance.
    pub fn names(&self) -> Vec<&str> {
        fn walk<'a>(e: &'a Expr, out: &mut Vec<&'a str>) {
            match e {
                Expr::Num(_) => {}
                Expr::Name(n) => {
                    if !out.contains(&n.as_str()) {
                        out.push(n)
                    }
                }
                Expr::Unary(_, a) => walk(a, out),
                Expr::Binary(_, a, b) => {
                    walk(a, out);
                    walk(b, out)
                }
                Expr::Ternary(_, a, b, c) => {
                    walk(a, out);
                    walk(b, out);
                    walk(c, out)
                }
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out
    }

    /// Evaluates with `lookup` giving each name's value; the scalar reference
    /// for the columnar evaluator.
    pub fn eval(&self, lookup: &dyn Fn(&str) -> f64) -> f64 {
        match self {
            Expr::Num(v) => *v,
            Expr::Name(n) => lookup(n),
            Expr::Unary(op, a) => op.apply(a.eval(lookup)),
            Expr::Binary(op, a, b) => op.apply(a.eval(lookup), b.eval(lookup)),
            Expr::Ternary(op, a, b, c) => op.apply(a.eval(lookup), b.eval(lookup), c.eval(lookup)),
        }
    }
}

/// A canonical, fully parenthesised form: used for `check` and for hashing.
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Num(v) => write!(f, "{v:?}"),
            Expr::Name(n) => f.write_str(n),
            Expr::Unary(UnaryOp::Neg, a) => write!(f, "(-{a})"),
            Expr::Unary(UnaryOp::Not, a) => write!(f, "(not {a})"),
            Expr::Unary(op, a) => write!(f, "{}({a})", op.function_name().unwrap_or("?")),
            Expr::Binary(op @ (BinaryOp::Min | BinaryOp::Max), a, b) => {
                write!(f, "{}({a}, {b})", op.symbol())
            }
            Expr::Binary(op, a, b) => write!(f, "({a} {} {b})", op.symbol()),
            Expr::Ternary(op, a, b, c) => write!(f, "{}({a}, {b}, {c})", op.name()),
        }
    }
}

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
enum Token {
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

fn lex(src: &str) -> Result<Vec<(Token, usize)>, SyntaxError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(src: &str) -> f64 {
        parse(src).unwrap().eval(&|n| match n {
            "x" => 2.0,
            "y" => 3.0,
            _ => f64::NAN,
        })
    }

    #[test]
    fn precedence_follows_the_reference() {
        assert_eq!(eval("-x^2"), -4.0);
        assert_eq!(eval("2^3^2"), 512.0);
        assert_eq!(eval("2^-1"), 0.5);
        assert_eq!(eval("1 + 2 * 3"), 7.0);
        assert_eq!(eval("(1 + 2) * 3"), 9.0);
        assert_eq!(eval("8 / 4 / 2"), 1.0);
        assert_eq!(eval("10 - 4 - 3"), 3.0);
        assert_eq!(eval("1 < 2 and 3 < 2 or 1"), 1.0);
        assert_eq!(eval("0 or 1 and 0"), 0.0);
        assert_eq!(eval("not 0 and 1"), 1.0);
        assert_eq!(eval("x + 1 > y"), 0.0);
        assert_eq!(eval("x == 2"), 1.0);
        assert_eq!(eval("x != 2"), 0.0);
        assert_eq!(eval("1e-3 * 1000"), 1.0);
        assert_eq!(eval(".5 + 2.5E1"), 25.5);
    }

    #[test]
    fn functions_compute_what_they_name() {
        assert_eq!(eval("min(3, x, y)"), 2.0);
        assert_eq!(eval("max(1, y, x)"), 3.0);
        assert_eq!(eval("abs(-x)"), 2.0);
        assert_eq!(eval("sqrt(16)"), 4.0);
        assert_eq!(eval("ln(e)"), 1.0);
        assert_eq!(eval("log10(1000)"), 3.0);
        assert_eq!(eval("floor(-1.5) + ceil(1.2)"), 0.0);
        assert_eq!(eval("clamp(5, 0, 1)"), 1.0);
        assert_eq!(eval("clamp(-5, 0, 1)"), 0.0);
        assert_eq!(eval("if(x > 1, 10, 20)"), 10.0);
        assert_eq!(eval("if(0, 10, 20)"), 20.0);
        assert!((eval("sin(pi / 2) + cos(0)") - 2.0).abs() < 1e-15);
        assert_eq!(eval("exp(0)"), 1.0);
        assert_eq!(eval("logistic(0)"), 0.5);
    }

    #[test]
    fn logistic_does_not_overflow() {
        assert_eq!(logistic(1000.0), 1.0);
        assert_eq!(logistic(-1000.0), 0.0);
        assert!((logistic(-745.0) - (-745.0f64).exp()).abs() < 1e-300);
        assert!((logistic(2.0) - 1.0 / (1.0 + (-2.0f64).exp())).abs() < 1e-16);
    }

    #[test]
    fn nan_propagates_through_logic() {
        assert!(eval("z and 0").is_nan());
        assert!(eval("z < 1").is_nan());
        assert!(eval("not z").is_nan());
        assert!(eval("if(z, 1, 2)").is_nan());
        assert!(eval("min(z, 1)").is_nan());
        assert!(eval("clamp(z, 0, 1)").is_nan());
    }

    #[test]
    fn syntax_errors_name_the_problem_and_column() {
        let cases = [
            ("1 +", "expected a number, name or '('", 4),
            ("foo(1)", "unknown function 'foo'", 1),
            ("clamp(1, 2)", "takes 3 arguments, got 2", 1),
            ("abs(1, 2)", "takes 1 argument, got 2", 1),
            ("(1 + 2", "expected ')'", 7),
            ("1 < 2 < 3", "cannot be chained", 7),
            ("2 $ 3", "unexpected character '$'", 3),
            ("1 2", "unexpected number 2", 3),
            ("sqrt", "needs arguments", 1),
            ("and 1", "needs an operand", 1),
            ("1.2.3", "malformed number", 1),
            ("", "expected a number", 1),
        ];
        for (src, msg, column) in cases {
            let err = parse(src).expect_err(src);
            assert!(err.message.contains(msg), "{src}: {err}");
            assert_eq!(err.column, column, "{src}: {err}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let src = "(".repeat(10_000) + "1" + &")".repeat(10_000);
        assert!(parse(&src).unwrap_err().message.contains("nested deeper"));
        let src = "-".repeat(10_000) + "1";
        assert!(parse(&src).is_err());
    }

    #[test]
    fn display_is_canonical_and_reparses_to_the_same_tree() {
        for src in [
            "-x^2 + min(x, y, 3) * if(x < y, 1, 0)",
            "not x or y and 2^-1",
        ] {
            let e = parse(src).unwrap();
            assert_eq!(parse(&e.to_string()).unwrap(), e);
        }
    }
}
