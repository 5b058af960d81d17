create table orders (id text primary key, customer_id text not null);
